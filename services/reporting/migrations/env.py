"""Alembic environment of the reporting database."""

from alembic import context

from crm_shared.migrations import run_env
from reporting.config import ReportingSettings
from reporting.models import Base

run_env(context, Base.metadata, ReportingSettings().database_url)
