"""Imports every feature's tables so that `Base.metadata` (migrations, the app) knows them all."""


def load_all() -> None:
    """Register every table of the service on `sales.models.Base.metadata`."""
    import sales.activities.models  # noqa: F401
    import sales.customers.models  # noqa: F401
    import sales.customfields.models  # noqa: F401
    import sales.forecast.models  # noqa: F401
    import sales.health.models  # noqa: F401
    import sales.orders.models  # noqa: F401
    import sales.pipeline.models  # noqa: F401
    import sales.relations.models  # noqa: F401
