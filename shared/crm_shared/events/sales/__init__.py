"""Events published by the sales service, one module per subject; every class is re-exported here."""

from crm_shared.events.sales.activities import (
    ActivityCompletedV1,
    ActivityCreatedV1,
    ActivitySnapshot,
    ActivityUpdatedV1,
)
from crm_shared.events.sales.customers import (
    AccountCreatedV1,
    AccountDeletedV1,
    AccountSnapshot,
    AccountUpdatedV1,
    ContactCreatedV1,
    ContactDeletedV1,
    ContactSnapshot,
    ContactUpdatedV1,
    CustomFieldCreatedV1,
    CustomFieldSnapshot,
    CustomFieldUpdatedV1,
    RelationCreatedV1,
    RelationEndedV1,
    RelationSnapshot,
)
from crm_shared.events.sales.directory import (
    TeamCreatedV1,
    TeamSnapshot,
    TeamUpdatedV1,
    UserCreatedV1,
    UserSnapshot,
    UserUpdatedV1,
)
from crm_shared.events.sales.opportunities import (
    ContactRole,
    OpportunityLine,
    OpportunityLostV1,
    OpportunityOpenedV1,
    OpportunitySnapshot,
    OpportunityStageChangedV1,
    OpportunityUpdatedV1,
    OpportunityWonV1,
)
from crm_shared.events.sales.orders import (
    ContractCreatedV1,
    ContractSnapshot,
    ContractUpdatedV1,
    InvoiceIssuedV1,
    InvoiceOverdueV1,
    InvoiceSnapshot,
    InvoiceUpdatedV1,
    OrderCreatedV1,
    OrderSnapshot,
    OrderUpdatedV1,
    PaymentRecordedV1,
)
from crm_shared.events.sales.plans import ExchangeRateSetV1, LeadConversionAppliedV1, QuotaSetV1

__all__ = [
    "ActivityCompletedV1", "ActivityCreatedV1", "ActivitySnapshot", "ActivityUpdatedV1",
    "CustomFieldCreatedV1", "CustomFieldSnapshot", "CustomFieldUpdatedV1", "InvoiceOverdueV1",
    "InvoiceUpdatedV1", "RelationCreatedV1", "RelationEndedV1", "RelationSnapshot",
    "AccountCreatedV1", "AccountDeletedV1", "AccountSnapshot", "AccountUpdatedV1", "ContactCreatedV1",
    "ContactDeletedV1", "ContactRole", "ContactSnapshot", "ContactUpdatedV1", "ContractCreatedV1",
    "ContractSnapshot", "ContractUpdatedV1", "ExchangeRateSetV1", "InvoiceIssuedV1", "InvoiceSnapshot",
    "LeadConversionAppliedV1",
    "OpportunityLine", "OpportunityLostV1", "OpportunityOpenedV1", "OpportunitySnapshot",
    "OpportunityStageChangedV1", "OpportunityUpdatedV1", "OpportunityWonV1", "OrderCreatedV1",
    "OrderSnapshot",
    "OrderUpdatedV1", "PaymentRecordedV1", "QuotaSetV1", "TeamCreatedV1", "TeamSnapshot", "TeamUpdatedV1",
    "UserCreatedV1", "UserSnapshot", "UserUpdatedV1",
]
