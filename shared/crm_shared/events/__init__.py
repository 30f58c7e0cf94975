"""Every CRM event contract; importing this package registers them all."""

from crm_shared.events import interactions, leads, marketing, sales, service_desk
from crm_shared.events.base import REGISTRY, Event, UnknownEventType, parse_event, register

__all__ = [
    "REGISTRY", "Event", "UnknownEventType", "interactions", "leads", "marketing", "parse_event", "register",
    "sales", "service_desk",
]
