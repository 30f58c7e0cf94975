"""Alembic environment of the leads database."""

from alembic import context

from crm_shared.migrations import run_env
from leads.config import LeadsSettings
from leads.models import Base

run_env(context, Base.metadata, LeadsSettings().database_url)
