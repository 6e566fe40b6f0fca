"""BankEntries chain per bank journal: each opens at the previous entry's closing balance.

The contract's financialtransaction/BankEntries rule (Elmas bank_entry.rb: "the opening balance
should be the end balance of the previous entry"; opening plus the lines is the closing).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.exact_sandbox.test_documents import _ids

pytestmark = pytest.mark.anyio


def _entry(ids, opening, amount, closing=None):
    body = {
        "JournalCode": "20",
        "OpeningBalanceFC": str(opening),
        "BankEntryLines": [
            {"GLAccount": ids["bank"], "AmountFC": str(amount), "Date": "2026-01-05"}
        ],
    }
    if closing is not None:
        body["ClosingBalanceFC"] = str(closing)
    return body


async def test_an_entry_must_open_at_the_previous_closing_balance(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        first = await run.post("financialtransaction/BankEntries", _entry(ids, 0, "50.00"))
        assert first.status_code == 201, first.text
        assert first.json(parse_float=Decimal)["d"]["ClosingBalanceFC"] == Decimal("50.00")

        again_at_zero = await run.post("financialtransaction/BankEntries", _entry(ids, 0, "20"))
        assert again_at_zero.status_code == 400
        words = again_at_zero.json()["error"]["message"]["value"]
        assert "opening balance 0" in words and "50.00" in words

        chained = await run.post(
            "financialtransaction/BankEntries", _entry(ids, "50.00", "-20.00", "30.00")
        )
        assert chained.status_code == 201, chained.text
        state = await run.control("state")
        assert [Decimal(str(e["ClosingBalanceFC"])) for e in state["bank_entries"]] == [
            Decimal("50.00"),
            Decimal("30.00"),
        ]


async def test_opening_plus_lines_must_equal_closing(exact_sandbox):
    async with exact_sandbox() as run:
        ids = await _ids(run)
        r = await run.post(
            "financialtransaction/BankEntries", _entry(ids, 0, "49.99", closing="50.00")
        )
        assert r.status_code == 400
        assert "closing balance" in r.json()["error"]["message"]["value"]
        assert (await run.control("state"))["bank_entries"] == []
