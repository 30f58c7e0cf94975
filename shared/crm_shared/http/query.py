"""Query parameters an endpoint does not know are refused (422), not silently ignored.

A report asked with `?period=2026-03` or `?owner=…` (when it takes `as_of` and `owner_id`) would
otherwise answer unfiltered totals as if they were the filtered ones: wrong figures with no error.
"""

from fastapi import APIRouter, Depends, Request

from crm_shared.http.problems import InvalidError


def known_query_only(request: Request) -> None:
    """FastAPI dependency: 422 naming the first query parameter the route does not declare."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    known = getattr(route, "_crm_query_names", None)
    if known is None:  # computed once per route, kept on the route itself
        known = route._crm_query_names = frozenset(_query_names(route.dependant))
    for name in request.query_params:
        if name not in known:
            accepted = ", ".join(sorted(known)) or "none"
            raise InvalidError(f"unknown query parameter {name!r}; this endpoint takes: {accepted}",
                               field=name)


def _query_names(dependant) -> set[str]:
    """The query parameter names of a dependant and of everything it depends on."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def strict_router(**kwargs) -> APIRouter:
    """An APIRouter whose routes refuse unknown query parameters."""
    return APIRouter(dependencies=[Depends(known_query_only), *kwargs.pop("dependencies", [])], **kwargs)
