"""A CCV shop's orders while the daemon is SIGKILLed at random points and restarted: every
completed order ends as exactly one Exact invoice, a return as one credit note, no job dead."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal

import anyio
import httpx
import pytest

from connectors.sandbox import Sandboxes
from daemon.config import load_settings
from daemon.demo import authorize_exact, free_port
from daemon.demo_ccvshop import CUSTOMERS, ccv_demo_config
from tests.faults.harness import MINUTE_LIMIT, PRODUCTS, SEED
from tests.faults.support import query, size, wait_until
from tests.support.daemon_proc import DaemonProcess

pytestmark = pytest.mark.slow
TAX = {"export": 0, "oss": 19}  # what CCV charges there (the shop's rates per country)


@pytest.mark.timeout(size(150, 1800))
def test_sigkill_at_random_points_books_each_ccv_order_once(tmp_path):
    rng = random.Random(19)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    local = Sandboxes(seed=SEED, products=PRODUCTS)  # same seed as the served one
    skus = [p.sku for p in local.catalogue.products[:10]]
    config = ccv_demo_config(tmp_path, url, local)
    text = config.read_text().replace(
        'log_level = "warning"', 'log_level = "info"\nlog_format = "json"'
    )
    config.write_text(
        text.replace(
            f'secret = "{local.credentials.ccvshop_secret}"\n',
            f'secret = "{local.credentials.ccvshop_secret}"\npoll_interval = 5\n',
        )
    )
    settings = load_settings(config)
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.harness", str(port), str(MINUTE_LIMIT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    http = httpx.Client(base_url=url, timeout=30)
    daemon = None
    made: list[dict] = []
    try:
        wait_until(lambda: _up(http), 30, "sandboxes answering")
        anyio.run(authorize_exact, settings, url)
        for sku in skus:
            _post(http, "products", {"productnumber": sku, "name": sku, "price": 12.5})
        daemon = DaemonProcess(config).start(wait=60)
        kills = size(2, 6)
        for _ in range(kills):
            for _ in range(size(6, 60)):
                status = rng.choice((7, 7, 1))
                scenario = rng.choice(list(CUSTOMERS))
                body = {
                    "customer": CUSTOMERS[scenario],
                    "status": status,
                    "paid": True,
                    "rows": [
                        {
                            "productnumber": rng.choice(skus),
                            "count": rng.randint(1, 3),
                            **({"tax": TAX[scenario]} if scenario in TAX else {}),
                        }
                    ],
                    **({"is_intra_community_order": True} if scenario == "icp" else {}),
                }
                made.append(_post(http, "orders", body))
            time.sleep(rng.uniform(0.5, 4.0))  # a random point in the work they caused
            daemon.kill()
            for order in made:  # while it is down, the waiting ones complete
                if order["status"] == 1 and rng.random() < 0.5:
                    _post(http, f"orders/{order['id']}/status", {"status": 7})
                    order["status"] = 7
            daemon = DaemonProcess(config).start(wait=60)
        for order in made:
            if order["status"] == 1:
                _post(http, f"orders/{order['id']}/status", {"status": 7})
                order["status"] = 7
        db = settings.daemon.database_path

        def settled() -> bool:
            dead = query(db, "SELECT kind, last_error FROM jobs WHERE state = 'dead'")
            assert dead == [], dead
            invoices = http.get("/_sandbox/exact/state").json()["invoices"]
            busy = query(
                db, "SELECT count(*) FROM jobs WHERE state IN ('queued','running','retrying')"
            )
            return len({i["YourRef"] for i in invoices}) >= len(made) and busy[0][0] == 0

        wait_until(settled, size(90, 600), "every order booked", every=0.5)
        exact = http.get("/_sandbox/exact/state").json()
        dead = query(db, "SELECT kind, last_error FROM jobs WHERE state = 'dead'")
    finally:
        if daemon is not None:
            daemon.close()
        sandbox.kill()
        sandbox.wait(10)
        http.close()
    refs = Counter(i["YourRef"] for i in exact["invoices"])
    assert all(n == 1 for n in refs.values()), refs  # nothing booked twice
    wh = local.catalogue.locations[0].code
    assert set(refs) == {f"{o['ordernumber_full']}/{wh}" for o in made}  # nothing lost
    totals = {i["YourRef"]: Decimal(str(i["AmountFC"])) for i in exact["invoices"]}
    for order in made:
        assert totals[f"{order['ordernumber_full']}/{wh}"] == Decimal(str(order["total_price"]))
    assert dead == []


def _up(http: httpx.Client) -> bool:
    try:
        return http.get("/_sandbox/").status_code == 200
    except httpx.HTTPError:
        return False


def _post(http: httpx.Client, route: str, body: dict) -> dict:
    answer = http.post(f"/_sandbox/ccvshop/{route}", json=body)
    answer.raise_for_status()
    return answer.json()
