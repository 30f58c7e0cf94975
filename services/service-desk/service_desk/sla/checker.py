"""The periodic SLA checker: due times live in the database, so a restart loses no timer."""

import asyncio
import logging

from service_desk.clock import Clock
from service_desk.sla.service import check_sla

log = logging.getLogger(__name__)


async def run_checker(uow_factory, clock: Clock, interval_s: float) -> None:
    """Check the clocks every `interval_s` seconds until cancelled; a failed run is logged and retried."""
    while True:
        try:
            async with uow_factory() as uow:
                if await check_sla(uow=uow, now=clock()):
                    await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed run (e.g. database down) must not stop the checker
            log.exception("SLA check failed; retrying in %.0f s", interval_s)
        await asyncio.sleep(interval_s)
