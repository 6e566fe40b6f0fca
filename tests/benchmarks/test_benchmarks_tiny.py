"""Each benchmark runs once at a tiny size so `make test` keeps them working (no timing asserts)."""

from __future__ import annotations

from tests.benchmarks import ingest as ingest_bench
from tests.benchmarks import queue as queue_bench


def test_queue_benchmark_runs_every_job_through_both_queues():
    result = queue_bench.measure(jobs=40)
    assert result["jobs"] == 40
    assert result["jobs_per_s"] > 0 and result["huey_jobs_per_s"] > 0
    assert result["ratio_vs_huey"] > 0


def test_ingest_benchmark_gets_every_signed_webhook_accepted_and_samples_memory():
    result = ingest_bench.measure(requests=30, paced_seconds=0.1, idle_wait=0.2)
    assert result["ingest"]["accepted"] == 30
    assert result["ingest"]["paced"]["failed"] == 0
    assert result["ingest"]["echo_per_s"] > 0
    assert result["memory"]["idle_rss_mb"] > 0 and result["memory"]["under_ingest_rss_mb"] > 0
