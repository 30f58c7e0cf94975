"""Kafka handlers of the leads service's own submission topic."""

from crm_shared.events.leads import SubmissionReceivedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from leads.config import LeadsSettings
from leads.processing import batch


def register(handlers: EventHandlers, settings: LeadsSettings) -> None:
    """Add the submission handler to the service's handlers."""

    @handlers.on_batch(SubmissionReceivedV1)
    async def on_submission_received(events: list[SubmissionReceivedV1], uow: UnitOfWork) -> None:
        """Process a stored web form submission into a new or merged lead: score, route, interaction."""
        await batch.process_submissions(
            uow=uow,
            events=events,
            region=settings.default_region,
            first_contact_minutes=settings.speed_to_lead.default_target_minutes,
        )
