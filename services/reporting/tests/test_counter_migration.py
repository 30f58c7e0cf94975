"""The counters migration derives the counters of a database that already holds facts: upgrading a
database projected before the counters existed answers exactly as live consumption does."""

import asyncio

from alembic import command
from reporting_scenario import history, opportunity_history, orders, ticket_history
from reporting_support import dump_projections

from crm_shared.migrations import alembic_config
from reporting.rebuild.replay import MIGRATIONS

BEFORE_COUNTERS = "b7e3c1d2a4f5"
ANSWERS = ("/reports/lead-funnel", "/reports/opportunity-funnel", "/reports/service", "/reports/revenue",
           "/reports/rep-kpis")


async def test_upgrading_a_projected_database_fills_the_counters(make_reporting, database_url):
    # the downgrade drops the tickets' SLA due times too: the upgrade marks those facts `sla_unknown`,
    # counted as under an SLA as before, so every answer stays the same
    events = history() + opportunity_history() + ticket_history() + orders()
    async with make_reporting(database_url) as live:
        await live.feed(*events)
        expected = await dump_projections(live.app)
        answers = [(await live.get(path)).json() for path in ANSWERS]
    assert expected["sale_delta"] and expected["ticket_total"] and expected["lead_funnel_total"]

    config = alembic_config(MIGRATIONS, database_url)
    await asyncio.to_thread(command.downgrade, config, BEFORE_COUNTERS)  # the counters are dropped
    async with make_reporting(database_url) as upgraded:  # upgrades to head: derived from the facts
        found = await dump_projections(upgraded.app)
        # the ticket facts lost their due times with the downgrade (marked `sla_unknown` since)
        assert len(found.pop("ticket_fact")) == len(expected.pop("ticket_fact"))
        assert found == expected
        assert answers == [(await upgraded.get(path)).json() for path in ANSWERS]
