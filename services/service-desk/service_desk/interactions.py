"""One `InteractionRecordedV1` per customer interaction the desk handles (call, email, chat, reply)."""

from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork

CHANNEL_OF = {"wechat": "chat", "web": "web", "phone": "phone", "email": "email", "chat": "chat"}


def record_interaction(
    *,
    uow: UnitOfWork,
    channel: str,
    kind: str,
    record_id: str,
    summary: str = "",
    contact_id: str | None = None,
    account_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> None:
    """Emit the interaction in the unit of work's transaction."""
    uow.emit(
        InteractionRecordedV1(
            aggregate_id=new_id(),
            channel=CHANNEL_OF.get(channel, "other"),
            kind=kind,
            contact_id=contact_id,
            account_id=account_id,
            email=email,
            phone=phone,
            summary=summary[:200],
            source_service="service-desk",
            record_id=record_id,
        )
    )
