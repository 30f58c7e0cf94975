"""One share of a parallel rebuild: `python -m reporting.rebuild.part`, its job as JSON on stdin.

The job names the settings it needs (the broker's, the rest defaults), the share's database (migrated,
empty, without its secondary indexes: the target, or a copy of it) and the partitions to fold into it.
The process writes `progress <done> <total>` lines while it folds, then one `stats <json>` line, on
stdout.
"""

import asyncio
import dataclasses
import json
import sys

from reporting.config import ReportingSettings
from reporting.rebuild.replay import replay


async def run(job: dict) -> None:
    settings = ReportingSettings.model_validate(job["settings"])
    only = {(topic, partition) for topic, partition in job["partitions"]}

    def on_progress(done: int, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    stats = await replay(settings, on_progress=on_progress, chunk=job["chunk"], only=only, share=True)
    print(f"stats {json.dumps(dataclasses.asdict(stats))}", flush=True)


if __name__ == "__main__":
    asyncio.run(run(json.loads(sys.stdin.read())))
