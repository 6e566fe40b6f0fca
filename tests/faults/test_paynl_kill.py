"""Pay. settlements booked while the daemon is SIGKILLed at random points: each settlement
ends as exactly one bank entry equal to its transfer, nothing dead."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from connectors.sandbox import SandboxCredentials
from daemon.config import load_settings
from tests.control.test_cli_control import shopsync
from tests.faults.harness import Chaos
from tests.faults.support import query, size, wait_until

pytestmark = pytest.mark.slow


def _pay(c: Chaos, method: str, path: str, body=None):
    r = c.http.request(method, f"/_sandbox/paynl{path}", json=body)
    r.raise_for_status()
    return r.json()


@pytest.mark.timeout(size(150, 900))
def test_sigkill_while_booking_settlements_books_each_once(tmp_path):
    rng = random.Random(7)
    creds = SandboxCredentials()
    c = Chaos(tmp_path)
    c.config.write_text(
        c.config.read_text()
        + f'\n[paynl]\nat_code = "{creds.paynl_at_code}"\napi_token = "{creds.paynl_api_token}"'
        + f'\napi_url = "{c.url}"\nlookback_days = 3\n'
    )
    c.settings = load_settings(c.config)
    try:
        c.start_sandboxes()
        c.start_daemon()
        _pay(c, "PUT", "/settings", {"split_by_turnover_group": True})
        groups = [
            _pay(c, "POST", "/turnover_groups", {"name": f"Shop {n}"})["code"] for n in range(4)
        ]
        today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
        transfers = {}
        for back in (2, 1, 0):  # three mornings' clearings, one settlement per revenue group
            day = (today - dt.timedelta(days=back)).isoformat()
            for n in range(size(12, 60)):
                paid = _pay(
                    c,
                    "POST",
                    "/transactions",
                    {
                        "reference": f"#{back}{n:03d}",
                        "amount": f"{rng.randint(500, 9000) / 100:.2f}",
                        "turnover_group": rng.choice(groups),
                        "date": day,
                    },
                )
                if rng.random() < 0.2:
                    _pay(
                        c,
                        "POST",
                        f"/transactions/{paid['id']}/refund",
                        {"amount": "1.00", "date": day},
                    )
            for s in _pay(c, "POST", "/clear", {"date": day})["settlements"]:
                transfers[s["code"]] = Decimal(s["cents"]) / 100
        shopsync(c.config, "run-now", "paynl")
        for _ in range(size(3, 6)):
            time.sleep(rng.uniform(0.2, 1.5))  # somewhere inside the listing or a booking
            c.kill_daemon()
            c.start_daemon()

        def booked() -> bool:
            [(busy,)] = query(
                c.db,
                "SELECT count(*) FROM jobs WHERE kind LIKE 'paynl.%'"
                " AND state IN ('queued', 'retrying', 'running')",
            )
            return busy == 0

        wait_until(booked, size(90, 600), "every settlement job finished", every=0.5)
        entries = c.exact("GET", "/state")["bank_entries"]
        dead = query(c.db, "SELECT kind, key, last_error FROM jobs WHERE state = 'dead'")
        again = query(
            c.db, "SELECT kind, attempts FROM jobs WHERE kind LIKE 'paynl.%' AND attempts > 1"
        )
        print({"entries": len(entries), "jobs run again after a kill": again})
    finally:
        c.close()
    per_code: dict[str, list[Decimal]] = defaultdict(list)
    for e in entries:
        lines = e["BankEntryLines"]
        code = lines[0]["Description"].split(":", 1)[0].removeprefix("PAY")
        per_code[code].append(sum(Decimal(str(ln["AmountFC"])) for ln in lines))
    assert c.kills >= 3 and dead == []
    assert {code: len(v) for code, v in per_code.items()} == {code: 1 for code in transfers}
    assert {code: v[0] for code, v in per_code.items()} == transfers
