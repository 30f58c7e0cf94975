"""Every answer reads one committed state: its statements never straddle a consumer's commit.

The lead funnel reads the totals, then the contributions after X; a commit between the two once summed
two states and gave the campaign funnel a negative count of leads (a 500 in CI). The mechanism is tested
on both databases in shared/tests/test_snapshot_reads.py; this checks that every route uses it.
"""

from fastapi.routing import APIRoute

from crm_shared.service import get_snapshot_uow, get_uow


def _calls(dependant) -> set:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def _api_routes(routes) -> list[APIRoute]:
    """The app's API routes, through included routers (FastAPI 0.165 keeps them behind the router)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (included := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(included.routes))
    return found


def test_every_reporting_route_reads_through_a_snapshot(sqlite_reporting):
    routes = _api_routes(sqlite_reporting.app.routes)
    reading = [route.path for route in routes if get_snapshot_uow in _calls(route.dependant)]
    plain = [route.path for route in routes if get_uow in _calls(route.dependant)]
    assert plain == []
    answers = {"/reports/lead-funnel", "/reports/campaigns", "/reports/rep-kpis", "/reports/dashboard"}
    assert answers <= set(reading)
