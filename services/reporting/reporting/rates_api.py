"""The answers' default base currency, as a FastAPI dependency (apart from `rates`, which the projections
import: a rebuild's processes need not import FastAPI)."""

from typing import Annotated

from fastapi import Depends, Request

from reporting.rates import DEFAULT_BASE


def default_base(request: Request) -> str:
    """The base currency until a rate event names one (REPORTING_BASE_CURRENCY)."""
    return getattr(request.app.state.settings, "base_currency", DEFAULT_BASE)


DefaultBaseDep = Annotated[str, Depends(default_base)]
