"""The daemon's RSS idle and under the ingest load (measured in the same run as ingest.py).

Run: `.venv/bin/python tests/benchmarks/memory.py` → {"idle_rss_mb": …, "under_ingest_rss_mb": …}.
"""

from __future__ import annotations

if __name__ == "__main__":  # tests/benchmarks/queue.py would shadow the stdlib `queue`
    import sys
    from pathlib import Path

    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parents[1]))

import json

from tests.benchmarks import ingest


def measure(requests: int = 5000, paced_seconds: float = 5.0) -> dict:
    return ingest.measure(requests, paced_seconds)["memory"]


if __name__ == "__main__":
    print(json.dumps(measure()))
