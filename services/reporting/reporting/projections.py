"""Projection use cases: fold events into read models (the live consumer and the rebuild share them)."""

from collections.abc import Sequence

from sqlalchemy import select

from crm_shared.events.base import Event
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.leads import (
    LeadAssignedV1,
    LeadCapturedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadMergedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
)
from crm_shared.events.marketing import (
    CampaignCreatedV1,
    CampaignUpdatedV1,
    ProspectImportedV1,
    ProspectVerifiedV1,
)
from crm_shared.events.sales import (
    AccountCreatedV1,
    AccountDeletedV1,
    AccountUpdatedV1,
    ExchangeRateSetV1,
    OpportunityLostV1,
    OpportunityOpenedV1,
    OpportunityStageChangedV1,
    OpportunityUpdatedV1,
    OpportunityWonV1,
    OrderCreatedV1,
    OrderUpdatedV1,
    QuotaSetV1,
    UserCreatedV1,
    UserUpdatedV1,
)
from crm_shared.events.service_desk import (
    TicketAssignedV1,
    TicketClosedV1,
    TicketCsatRatedV1,
    TicketOpenedV1,
    TicketReopenedV1,
    TicketResolvedV1,
    TicketSlaBreachedV1,
    TicketSlaWarningV1,
    TicketUpdatedV1,
)
from crm_shared.messaging.uow import UnitOfWork
from reporting.accounts import record_accounts
from reporting.campaigns.projection import record_campaigns
from reporting.customers.projection import record_interactions
from reporting.directory import record_users
from reporting.leads.projection import count_sources, fold_lead_events
from reporting.models import LeadsBySource
from reporting.opportunities.projection import record_opportunity_facts
from reporting.prospects.projection import record_prospects
from reporting.rates import record_exchange_rates
from reporting.revenue.lines import record_sale_lines
from reporting.revenue.orders import record_order_facts
from reporting.service.projection import record_ticket_facts
from reporting.targets.projection import record_quotas

PROJECTED: tuple[type[Event], ...] = (
    LeadCapturedV1, LeadAssignedV1, LeadUpdatedV1, LeadStatusChangedV1, LeadDisqualifiedV1, LeadConvertedV1,
    LeadMergedV1,
    OpportunityOpenedV1, OpportunityUpdatedV1, OpportunityStageChangedV1, OpportunityWonV1, OpportunityLostV1,
    TicketOpenedV1, TicketUpdatedV1, TicketAssignedV1, TicketSlaWarningV1, TicketSlaBreachedV1,
    TicketResolvedV1, TicketClosedV1, TicketReopenedV1, TicketCsatRatedV1, OrderCreatedV1, OrderUpdatedV1,
    UserCreatedV1, UserUpdatedV1, InteractionRecordedV1,
    AccountCreatedV1, AccountUpdatedV1, AccountDeletedV1, QuotaSetV1, CampaignCreatedV1, CampaignUpdatedV1,
    ProspectImportedV1, ProspectVerifiedV1, ExchangeRateSetV1,
)


async def apply_events(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Fold a batch of new (inbox-deduplicated) events into every projection, in this transaction."""
    await fold_lead_events(uow=uow, events=events)
    await record_opportunity_facts(uow=uow, events=events)
    await record_ticket_facts(uow=uow, events=events)
    await record_order_facts(uow=uow, events=events)
    await record_users(uow=uow, events=events)
    await record_interactions(uow=uow, events=events)
    await record_accounts(uow=uow, events=events)
    await record_quotas(uow=uow, events=events)
    await record_sale_lines(uow=uow, events=events)
    await record_campaigns(uow=uow, events=events)
    await record_prospects(uow=uow, events=events)
    await record_exchange_rates(uow=uow, events=events)
    await count_sources(uow=uow, events=events)  # last: rows every batch of captures shares


async def leads_by_source(*, uow: UnitOfWork) -> dict[str, int]:
    """Captured leads per source."""
    rows = await uow.session.execute(select(LeadsBySource).order_by(LeadsBySource.source))
    return {row.source: row.lead_count for row in rows.scalars()}
