"""Every table of the service-desk database (importing this registers them all on `Base.metadata`)."""

from service_desk.channels import models as channels
from service_desk.customers import models as customers
from service_desk.models import Base, messaging
from service_desk.queues import models as queues
from service_desk.sla import models as sla
from service_desk.tickets import models as tickets

__all__ = ["Base", "channels", "customers", "messaging", "queues", "sla", "tickets"]
