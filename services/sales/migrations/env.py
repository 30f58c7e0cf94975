"""Alembic environment of the sales database."""

from alembic import context

from crm_shared.migrations import run_env
from sales.config import SalesSettings
from sales.models import Base

run_env(context, Base.metadata, SalesSettings().database_url)
