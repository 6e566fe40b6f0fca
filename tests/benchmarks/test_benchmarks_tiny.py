"""Each benchmark runs once at a tiny size so `make test` keeps them working (no timing asserts)."""

from __future__ import annotations

from tests.benchmarks import queue as queue_bench


def test_queue_benchmark_runs_every_job_through_both_queues():
    result = queue_bench.measure(jobs=40)
    assert result["jobs"] == 40
    assert result["jobs_per_s"] > 0 and result["huey_jobs_per_s"] > 0
    assert result["ratio_vs_huey"] > 0
