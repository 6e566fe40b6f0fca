"""Pay. settlements end to end: exported invoices paid through Pay., the morning's clearing
imported, one bank entry per settlement that closes the invoices, booked once."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from connectors.paynl.client import PayClient
from connectors.paynl.sandbox import PaySandbox
from daemon.flows.payouts.paynl_jobs import CURSOR, ENTITY
from daemon.serving import running_server
from tests.payouts.sandboxes import Env, ledger_env
from tests.payouts.test_payouts_live import open_invoice

pytestmark = pytest.mark.anyio
D = Decimal
AT, TOKEN = "AT-0000-0042", "paynl0test0token00000000000000000000000"


@contextlib.asynccontextmanager
async def pay_env(
    tmp_path: Path, paynl: dict[str, Any] | None = None, **settings: Any
) -> AsyncIterator[tuple[Env, Any]]:
    """Both sandboxes and Pay.'s; `paynl` adds to the `[paynl]` section, `settings` are the
    Pay. sandbox's."""
    sandbox = PaySandbox(at_code=AT, api_token=TOKEN)
    sandbox.settings.update(settings)
    async with running_server(sandbox.app, lifespan="auto") as pay_url:
        section = {"at_code": AT, "api_token": TOKEN, "api_url": pay_url, **(paynl or {})}
        async with (
            ledger_env(tmp_path, orders={"prepayments": False}, paynl=section) as env,
            PayClient(AT, TOKEN, base_url=pay_url) as client,
        ):
            env.services.paynl = client

            async def control(route: str, body: dict[str, Any]) -> Any:
                async with httpx.AsyncClient(base_url=pay_url) as http:
                    r = await http.post(f"/_sandbox/paynl/{route}", json=body)
                    r.raise_for_status()
                    return r.json()

            yield env, control


def today() -> str:
    return dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()


async def import_settlements(env: Env) -> dict:
    await env.services.queue.enqueue("paynl.import", f"paynl:{today()}", {})
    return await env.run_jobs()


@pytest.mark.parametrize("unit", ["cents", "decimal"])
async def test_a_settlement_becomes_one_bank_entry_that_closes_the_invoice_once(tmp_path, unit):
    async with pay_env(tmp_path, amount_unit=unit) as (env, control):
        invoice = await open_invoice(env, "#1001/AMS", D("24.95"))
        paid = await control("transactions", {"reference": "#1001", "amount": "24.95"})
        other = await control("transactions", {"reference": "#1002", "amount": "10.00"})
        await control(f"transactions/{other['id']}/refund", {"amount": "3.00"})
        await control("clear", {"date": today()})
        assert paid["id"]

        jobs = await import_settlements(env)
        assert set(jobs) == {"succeeded"}, jobs
        [entry] = (await env.exact_state())["bank_entries"]
        lines = entry["BankEntryLines"]
        assert entry["JournalCode"] == "22"
        # 24.95 + 10.00 − 3.00 − costs (2 × 0.29 = 0.58, VAT 0.12) = 31.25 reached the bank
        assert sum(D(str(ln["AmountFC"])) for ln in lines) == D("31.25")
        by_gl = sorted((ln["GLAccountCode"], D(str(ln["AmountFC"]))) for ln in lines)
        assert by_gl == [
            ("1300", D("24.95")),
            ("1520", D("-0.12")),
            ("1990", D("-3.00")),
            ("1990", D("10.00")),
            ("4500", D("-0.58")),
        ]
        receipt = next(ln for ln in lines if ln["GLAccountCode"] == "1300")
        assert receipt["OurRef"] == invoice
        receivables = await env.services.exact.get("read/financial/ReceivablesList")
        assert invoice not in [r["InvoiceNumber"] for r in receivables]  # paid in full

        # Again: the link says booked; then a crash between posting and linking is found again.
        await import_settlements(env)
        await env.services.db.execute_write("DELETE FROM links WHERE entity = ?", (ENTITY,))
        await env.services.db.execute_write("DELETE FROM cursors WHERE name = ?", (CURSOR,))
        await import_settlements(env)
        assert len((await env.exact_state())["bank_entries"]) == 1
        [link] = [await env.services.links.get(ENTITY, entry_code(lines))]
        assert link is not None and link.exact_id == entry["EntryID"]


def entry_code(lines: list[dict[str, Any]]) -> str:
    """The settlement code every line's description opens with (`PAY<code>: …`)."""
    return lines[0]["Description"].split(":", 1)[0].removeprefix("PAY")


async def test_two_settlements_chain_their_opening_balances_in_the_pay_journal(tmp_path):
    async with pay_env(tmp_path, split_by_turnover_group=True) as (env, control):
        group = (await control("turnover_groups", {"name": "Second shop"}))["code"]
        await control("transactions", {"reference": "#2001", "amount": "50.00"})
        await control(
            "transactions", {"reference": "#2002", "amount": "20.00", "turnover_group": group}
        )
        await control("clear", {"date": today(), "fee": "0"})
        await import_settlements(env)
        first, second = sorted(
            (await env.exact_state())["bank_entries"], key=lambda e: e["EntryNumber"]
        )
        assert D(str(second["OpeningBalanceFC"])) == D(str(first["ClosingBalanceFC"]))
        assert D(str(second["ClosingBalanceFC"])) == D("70.00")


class Job:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload


async def test_a_bank_entry_whose_answer_is_lost_is_found_not_posted_again(tmp_path):
    from connectors.errors import TransientError
    from daemon.flows.payouts.paynl_jobs import book_settlement

    async with pay_env(tmp_path) as (env, control):
        await control("transactions", {"reference": "#3001", "amount": "42.00"})
        [made] = (await control("clear", {"date": today()}))["settlements"]
        job = Job({"code": made["code"], "day": today(), "group": None})
        async with httpx.AsyncClient(base_url=env.exact_url) as http:
            faults = "/_sandbox/exact/faults"
            (await http.post(faults, json={"drop_after_commit_rate": 1.0})).raise_for_status()
            with pytest.raises(TransientError):  # booked in Exact, the answer cut off
                await book_settlement(env.services, job)
            (await http.post(faults, json={"drop_after_commit_rate": 0})).raise_for_status()
        await book_settlement(env.services, job)  # the retry: an intent without an answer
        state = await env.exact_state()
        link = await env.services.links.get(ENTITY, made["code"])
    assert state["dropped_after_commit"] == 1
    [entry] = state["bank_entries"]
    assert link is not None and link.exact_id == entry["EntryID"]
