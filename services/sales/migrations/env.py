"""Alembic environment of the sales database."""

from alembic import context

from crm_shared.migrations import run_env
from sales.config import SalesSettings
from sales.models import Base
from sales.pipeline.search import UNMAPPED_TABLES
from sales.tables import load_all

load_all()
run_env(context, Base.metadata, SalesSettings().database_url, UNMAPPED_TABLES)
