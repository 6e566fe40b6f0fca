"""`shopsync demo --psp paynl`: the settlement is in the verdict, and the verdict can fail."""

from __future__ import annotations

import json
import sys
from decimal import Decimal

import anyio
import pytest

from daemon.demo_paynl import settlements_verdict

D = Decimal


@pytest.mark.anyio
@pytest.mark.slow
async def test_demo_with_pay_books_each_settlement_once_and_closes_the_invoices(tmp_path):
    result = await anyio.run_process(
        [
            sys.executable,
            "-m",
            "daemon.cli",
            "demo",
            "--psp",
            "paynl",
            "--headless",
            "--json",
            "--products",
            "8",
            "--dir",
            str(tmp_path),
        ],
        check=False,
    )
    report = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert result.returncode == 0, (report, result.stderr.decode()[-2000:])
    assert report["in_sync"] is True and report["dead"] == 0
    pay = report["paynl"]
    [settlement] = pay["settlements"]
    assert settlement["bank_entries"] == [settlement["transfer"]]
    # 8 invoices paid, the cancelled order refunded in full, the return's credit note refunded
    assert report["events"] == {"paynl_payments": 8, "paynl_refunds": 2}
    assert pay["matched_lines"] == 10 and pay["unassigned_lines"] == 0


def line(description: str, amount: str, gl: str = "1300", our_ref: int | None = 1) -> dict:
    return {"Description": description, "AmountFC": amount, "GLAccountCode": gl, "OurRef": our_ref}


def test_the_verdict_fails_a_settlement_booked_twice_short_or_left_open():
    settlement = {"code": "S001Y-1205", "cents": 2495}
    one = {"BankEntryLines": [line("PAYS001Y-1205: iDEAL 1001", "24.95")]}
    ok = settlements_verdict([settlement], {"bank_entries": [one]}, [], {"1001"}, 0)
    assert ok["paynl_in_sync"] is True

    twice = settlements_verdict([settlement], {"bank_entries": [one, one]}, [], {"1001"}, 0)
    assert not twice["paynl_in_sync"] and "bank entries" in twice["problems"][0]

    short = {"BankEntryLines": [line("PAYS001Y-1205: iDEAL 1001", "24.00")]}
    assert not settlements_verdict([settlement], {"bank_entries": [short]}, [], {"1001"}, 0)[
        "paynl_in_sync"
    ]

    unassigned = {"BankEntryLines": [line("PAYS001Y-1205: iDEAL 1001", "24.95", "1990", None)]}
    still_open = [{"YourRef": "1001/AMS", "Amount": "24.95"}]
    verdict = settlements_verdict(
        [settlement], {"bank_entries": [unassigned]}, still_open, {"1001"}, 0
    )
    assert not verdict["paynl_in_sync"]
    assert any("open in Exact" in p for p in verdict["problems"])
    assert any("unassigned" in p for p in verdict["problems"])
