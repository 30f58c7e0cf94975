"""The replay guard of the signed webhooks: a signature is accepted once while its timestamp is fresh.

The signatures seen are rows of `webhook_delivery` (so a restart or a second replica knows them), added
in the transaction that handles the post: a post that fails leaves none, and the sender may retry it.
Rows go once their timestamp is past the tolerance (twice over, for clock skew between replicas): by
then the timestamp check refuses the post anyway, so the table holds at most a window's posts."""

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from crm_shared.http.problems import ConflictError
from crm_shared.messaging.uow import UnitOfWork
from service_desk.channels.gateway import Delivery
from service_desk.channels.models import WebhookDelivery


class ReplayedDelivery(ConflictError):
    """The exact signed post was already received."""

    title = "Already received"


async def remember(*, uow: UnitOfWork, delivery: Delivery, tolerance_s: int, now: datetime) -> None:
    """Record a signed post once; the same signature again (even concurrently) is a 409."""
    if delivery.signature is None:  # an admin replaying a message by hand
        return
    refused = ReplayedDelivery(f"this signed {delivery.channel} post was already received (a replay)")
    if await uow.session.get(WebhookDelivery, delivery.signature) is not None:
        raise refused
    await uow.session.execute(delete(WebhookDelivery).where(WebhookDelivery.expires_at < now))
    uow.session.add(
        WebhookDelivery(
            signature=delivery.signature,
            channel=delivery.channel,
            signed_at=delivery.signed_at,
            expires_at=max(now, delivery.signed_at) + timedelta(seconds=2 * tolerance_s),
        )
    )
    try:
        await uow.session.flush()
    except IntegrityError as error:  # a concurrent post with the same signature got there first
        raise refused from error
