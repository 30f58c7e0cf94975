"""Request and response models of the channels: CTI calls, inbound email and chat, the public web form."""

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from service_desk.customers.card import CustomerCard


class CallStart(BaseModel):
    """A new call from the CTI: the caller's number and the agent it rings."""

    model_config = ConfigDict(extra="forbid")

    caller: str = Field(min_length=3, max_length=40)
    agent_id: str | None = None


class CallRead(BaseModel):
    """A call and its state."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    caller: str
    agent_id: str
    contact_id: str | None
    account_id: str | None
    ticket_id: str | None
    status: str


class CallPop(BaseModel):
    """A new call with the screen-pop card."""

    call: CallRead
    card: CustomerCard


class ContactLink(BaseModel):
    """From an unknown caller's card: link an existing contact, or create one."""

    model_config = ConfigDict(extra="forbid")

    contact_id: str | None = None
    name: str | None = Field(default=None, min_length=1, max_length=300)
    email: EmailStr | None = None
    account_id: str | None = None


class InboundEmail(BaseModel):
    """A parsed inbound message from the mail gateway."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: EmailStr = Field(alias="from")
    subject: str = Field(default="(no subject)", max_length=300)
    body: str = Field(default="", max_length=200_000)
    message_id: str = Field(min_length=3, max_length=500)
    in_reply_to: str | None = Field(default=None, max_length=500)
    references: list[str] = Field(default_factory=list, max_length=100)
    queue_id: str | None = None


class InboundChat(BaseModel):
    """A chat or WeChat message from the webhook."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(default="chat", pattern="^(chat|wechat)$")
    sender_id: str = Field(min_length=1, max_length=200)
    sender_name: str | None = Field(default=None, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    message_id: str | None = Field(default=None, max_length=500)
    queue_id: str | None = None


class InboundResult(BaseModel):
    """Where an inbound message landed."""

    ticket_id: str
    created: bool
    status: str


class WebTicketForm(BaseModel):
    """The public web-to-ticket form (the honeypot field is checked before this)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str | None = Field(default=None, max_length=40)
    subject: str = Field(min_length=1, max_length=300)
    message: str = Field(default="", max_length=20_000)
    queue_id: str | None = Field(default=None, max_length=36)
