"""Names in an output folder (contract 4)::

    counts/date=2026-11-21/hour=09/batch-000000017.jsonl    running updates written by batch 17
    counts/date=2026-11-21/hour=09/compact-000000120.jsonl  compaction of closed windows up to batch 120
    latest.json                                             the dashboard's one-request summary
    metrics/batches-<date>.jsonl                             one line per micro-batch

Counts are partitioned by the window start's UTC date and hour.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache

COUNTS_DIR = "counts"
LATEST = "latest.json"
METRICS_DIR = "metrics"
HOUR_MS = 3_600_000

#: ``latest.json`` keeps at most this many windows (newest last) and tags per window.
LATEST_WINDOWS = 60
LATEST_TAGS = 200

_PARTITION = re.compile(r"date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/?$")


@lru_cache(maxsize=4096)
def hour_partition(millis: int) -> str:
    """``date=2026-11-21/hour=09``: the partition of a window starting at ``millis`` (epoch ms)."""
    dt = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    return f"date={dt:%Y-%m-%d}/hour={dt:%H}"


def counts_folder(millis: int) -> str:
    """``counts/date=…/hour=…`` of a window start (epoch ms)."""
    return f"{COUNTS_DIR}/{hour_partition(millis)}"


def partition_start(partition: str) -> int | None:
    """Epoch ms of the hour a ``…date=…/hour=..`` path holds; None when it is not one."""
    match = _PARTITION.search(partition)
    if not match:
        return None
    dt = datetime.strptime(f"{match.group(1)} {match.group(2)}", "%Y-%m-%d %H").replace(tzinfo=timezone.utc)
    return int(dt.timestamp() * 1000)


def batch_file(batch_id: int) -> str:
    """The running-updates file one batch writes into a partition."""
    return f"batch-{batch_id:09d}.jsonl"


def compact_file(batch_id: int) -> str:
    """The file a compaction at ``batch_id`` leaves in a partition."""
    return f"compact-{batch_id:09d}.jsonl"


def is_counts_file(name: str) -> bool:
    """Batch and compact files; dot- or underscore-named files are temporaries or bookkeeping."""
    return name.endswith(".jsonl") and name.startswith(("batch-", "compact-"))


def metrics_file(date: str) -> str:
    """``metrics/batches-<date>.jsonl``: the metrics of the batches of one UTC date (``YYYY-MM-DD``)."""
    return f"{METRICS_DIR}/batches-{date}.jsonl"
