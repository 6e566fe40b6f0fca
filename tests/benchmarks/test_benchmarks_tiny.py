"""Each benchmark runs once at a tiny size so `make test` keeps them working (no timing asserts)."""

from __future__ import annotations

import pytest

from tests.benchmarks import economy as economy_bench
from tests.benchmarks import ingest as ingest_bench
from tests.benchmarks import payouts as payouts_bench
from tests.benchmarks import queue as queue_bench
from tests.benchmarks import run as run_bench


def test_queue_benchmark_runs_every_job_through_both_queues():
    result = queue_bench.measure(jobs=40)
    assert result["jobs"] == 40
    assert result["jobs_per_s"] > 0 and result["huey_jobs_per_s"] > 0
    assert result["ratio_vs_huey"] > 0
    assert result["sequential"]["jobs_per_s"] > 0 and result["sequential"]["huey_jobs_per_s"] > 0


def test_ingest_benchmark_gets_every_signed_webhook_accepted_and_samples_memory():
    result = ingest_bench.measure(requests=30, paced_seconds=0.1, idle_wait=0.2)
    assert result["ingest"]["accepted"] == 30
    assert result["ingest"]["paced"]["failed"] == 0
    assert result["ingest"]["echo_per_s"] > 0
    assert result["ingest"]["durable_floor_accepted"] == 30  # the reference that commits each
    assert result["memory"]["idle_rss_mb"] > 0 and result["memory"]["under_ingest_rss_mb"] > 0


def test_payouts_benchmark_books_a_small_payout_to_the_cent():
    result = payouts_bench.measure(transactions=20)
    assert result["booked_to_the_cent"] is True
    assert result["bank_entry_lines"] == 21  # 20 receipts and one fee line
    assert result["exact_429s"] == 0


def test_economy_benchmark_counts_exact_calls_of_every_document_kind_from_the_sandbox():
    result = economy_bench.documents(orders=1)
    for kind in ("new", "returning", "fulfil", "refund"):
        assert result[kind]["documents"] == 1
        assert result[kind]["calls"] >= 1  # each kind books at least one document in Exact
    assert "salesorder/SalesOrders" in result["new"]["by_endpoint"]
    assert "salesorder/GoodsDeliveries" in result["fulfil"]["by_endpoint"]
    # a returning buyer's account is never created again
    assert result["returning"]["calls"] < result["new"]["calls"]


@pytest.mark.slow
def test_the_full_run_reports_every_figure_and_stock_changes_reach_shopify_on_both_paths():
    result = run_bench.run(run_bench.TINY)
    assert {"ingest", "queue", "stock", "payouts", "memory", "machine", "goals"} <= set(result)
    stock = result["stock"]
    assert stock["webhook_path"]["latency_samples"] > 0
    assert stock["poll_path"]["latency_samples"] > 0
    assert stock["full_reconcile"]["job"] == "succeeded"
    assert stock["full_reconcile"]["stock_positions"] == 20
    assert stock["full_reconcile_3_warehouses"]["job"] == "succeeded"
    assert result["payouts"]["booked_to_the_cent"] is True
    assert result["economy"]["orders_burst"]["exported"] == 3
    assert result["economy"]["shopify_burst"]["unseen"] == 0
    assert result["exact.idle_calls_per_day"] > 0


def test_products_benchmark_makes_every_item_and_counts_exacts_calls():
    from tests.benchmarks import products as products_bench

    result = products_bench.measure(variants=20)
    assert result["items_created"] == 20 and result["dead_jobs"] == 0
    # One POST per item, one GET per product (10 codes), one item group lookup.
    assert 20 <= result["exact_calls"] <= 20 + 2 + 2
    assert 10_000 <= result["exact_calls_10k"] <= 20_000  # at most 2 calls per new item
    assert result["fits_one_night"] is False  # 5,000 calls a day: the arithmetic says so
