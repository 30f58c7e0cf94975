"""Alembic environment of the service-desk database."""

from alembic import context

from crm_shared.migrations import run_env
from service_desk.config import ServiceDeskSettings
from service_desk.tables import Base

run_env(context, Base.metadata, ServiceDeskSettings().database_url)
