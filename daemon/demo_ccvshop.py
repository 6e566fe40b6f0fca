"""`shopsync demo --platform ccvshop`: the sandboxes, the daemon serving a CCV shop, orders of
every VAT scenario with status changes, a cancel and a return, then a verdict of both sides."""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx

from connectors.sandbox import Sandboxes
from daemon.serving import bound_port, make_server, wait_started
from state.secrets import ensure_dev_key

CONTROL = "/_sandbox/ccvshop"
NL = {
    "email": "anna@example.com",
    "first_name": "Anna",
    "last_name": "Jansen",
    "street": "Kerkstraat",
    "housenumber": 5,
    "zipcode": "1011 AB",
    "city": "Amsterdam",
    "country_code": "NL",
}
CUSTOMERS = {
    "domestic": NL,
    "icp": {
        **NL,
        "email": "inkoop@peeters.example",
        "company": "Peeters BV",
        "country_code": "BE",
        "btw": "BE0123456789",
    },
    "oss": {**NL, "email": "greta@example.de", "country_code": "DE"},
    "export": {**NL, "email": "hugo@example.com", "country_code": "US"},
}


def ccv_demo_config(directory: Path, url: str, sb: Sandboxes, *, psp: str | None = None) -> Path:
    c = sb.credentials
    text = f"""# Written by `shopsync demo --platform ccvshop`: the daemon against the sandboxes.
[daemon]
state_dir = "{directory / "state"}"
log_level = "warning"

[queue]
backoff_base = 0.5

[ingress]
enabled = false

[control]
socket = "{directory / "shopsync.sock"}"

[shop]
platform = "ccvshop"

[ccvshop]
api_root = "{url}"
public_key = "{c.ccvshop_public_key}"
secret = "{c.ccvshop_secret}"

[exact]
base_url = "{url}"
division = {c.exact_division}
client_id = "{c.exact_client_id}"
client_secret = "{c.exact_client_secret}"

[mapping]
default_warehouse = "{sb.catalogue.locations[0].code}"

[stock]
enabled = false

[orders]
start_date = "{dt.datetime.now(dt.UTC).date()}"  # a fresh install books from its start date
"""
    if psp == "paynl":
        from daemon.demo_paynl import paynl_config

        text += paynl_config(sb, url, dt.datetime.now(dt.UTC).date())
    path = directory / "shopsync.toml"
    path.write_text(text)
    return path


async def run_ccv_demo(
    *, as_json: bool, seed: int, products: int, directory: Path | None, psp: str | None = None
) -> int:
    """Run the demo once (headless) and print its verdict; 0 when in sync with no dead job."""
    from daemon.logs import configure_logging

    configure_logging("warning", "console", stream=sys.stderr)  # stdout is the verdict
    report = await ccv_demo(seed=seed, products=products, directory=directory, psp=psp)
    print(json.dumps(report, indent=None if as_json else 2))
    return 0 if report["in_sync"] and report["dead"] == 0 else 1


async def ccv_demo(
    *, seed: int = 1, products: int = 20, directory: Path | None = None, psp: str | None = None
) -> dict:
    from daemon.app import Daemon
    from daemon.config import load_settings
    from daemon.demo import authorize_exact, wait_quiet
    from daemon.flows.ccvshop_orders import poll_ccv_orders_once
    from daemon.flows.ccvshop_orders.scan import CURSOR

    workdir = directory or Path(tempfile.mkdtemp(prefix="shopsync-ccv-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sb = Sandboxes(seed=seed, products=max(products, 5))
    server = make_server(sb.app, port=0, lifespan="on")
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        await wait_started(server)
        url = f"http://127.0.0.1:{bound_port(server)}"
        settings = load_settings(ccv_demo_config(workdir, url, sb, psp=psp))
        ensure_dev_key(settings.daemon.database_path.parent)  # a demo's own token key
        await authorize_exact(settings, url)
        daemon = Daemon(settings)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:

            async def control(route: str, body: dict[str, Any]) -> Any:
                answer = await http.post(f"{CONTROL}/{route}", json=body)
                answer.raise_for_status()
                return answer.json(parse_float=Decimal)

            skus = [p.sku for p in sb.catalogue.products[: max(products, 5)]]
            for product in sb.catalogue.products[: len(skus)]:
                await control(
                    "products",
                    {
                        "productnumber": product.sku,
                        "name": product.title,
                        "price": float(product.price),
                    },
                )
            made = await _order_traffic(control, rng, skus)
            tg.start_soon(daemon.run)
            with anyio.fail_after(30):
                await daemon.ready.wait()
            services = daemon.services
            with anyio.fail_after(60):  # the daemon's first scan …
                while True:
                    if await services.cursors.get(CURSOR) is not None:
                        break
                    await anyio.sleep(0.05)
            await wait_quiet(services, 120)  # … and the jobs it made
            # Mid-way: pending orders complete, one booked order is cancelled, one returns.
            for order in made["pending"]:
                await control(f"orders/{order['id']}/status", {"status": 7})
            await control(f"orders/{made['cancel']['id']}/status", {"status": 8})
            returned = made["return"]
            row_id = sb.ccvshop.store.orders[returned["id"]]["orderrow_ids"][0]
            credit = await control(
                f"orders/{returned['id']}/credit_invoice",
                {"rows": [{"orderrow_id": row_id, "count": 1}], "shipping": 0},
            )
            await poll_ccv_orders_once(services)  # the next scan, without waiting its interval
            await wait_quiet(services, 120)
            paynl = None
            if psp == "paynl":  # the customers paid through Pay.; the next morning's clearing
                from daemon.demo_paynl import paynl_round

                refunds = [
                    (made["cancel"], Decimal(str(made["cancel"]["total_price"]))),
                    (returned, abs(Decimal(str(credit["total_price"])))),
                ]
                paid = made["completed"] + made["pending"]
                paynl = await paynl_round(services, http, paid, refunds, wait_quiet)
            exact = (await http.get("/_sandbox/exact/state")).json(parse_float=Decimal)
            dead = (await services.db.fetchone("SELECT count(*) FROM jobs WHERE state='dead'"))[0]
            daemon.stop.set()
        server.should_exit = True
    report = _verdict(made, credit, exact, dead, sb.catalogue.locations[0].code)
    if paynl is not None:
        report["paynl"] = paynl
        report["events"] = {"paynl_payments": len(paid), "paynl_refunds": len(refunds)}
        report["in_sync"] = report["in_sync"] and paynl["paynl_in_sync"]
    # What the round cost each API (the scans, the reads per order, the bookings).
    report["calls"] = {
        "ccvshop": sum(sb.ccvshop.api.calls.values()),
        "exact": sum(exact.get("calls", {}).values()),
        **({"paynl": sb.paynl.api.calls} if paynl is not None else {}),
    }
    return report


async def _order_traffic(control: Any, rng: random.Random, skus: list[str]) -> dict[str, Any]:
    """Completed orders of every VAT scenario, pending ones, a zero-rated export."""
    made: dict[str, Any] = {"completed": [], "pending": [], "waiting": []}
    specs = {
        "domestic": {"total_shipping": 4.95},
        "icp": {"is_intra_community_order": True, "order_row_taxes_included": False},
        "oss": {"shipping_tax_percentage": 19, "total_shipping": 5.95, "tax": 19},
        "export": {"shipping_tax_percentage": 0, "total_shipping": 25, "tax": 0},
    }
    for scenario, spec in specs.items():
        spec = dict(spec)
        tax = spec.pop("tax", None)
        for status in (7, 1):
            rows = [
                {
                    "productnumber": rng.choice(skus),
                    "count": rng.randint(1, 3),
                    **({"tax": tax} if tax is not None else {}),
                }
                for _ in range(rng.randint(1, 3))
            ]
            order = await control(
                "orders",
                {
                    "customer": CUSTOMERS[scenario],
                    "rows": rows,
                    "status": status,
                    "paid": True,
                    **spec,
                },
            )
            made["completed" if status == 7 else "pending"].append(order)
    made["waiting"].append(
        await control(
            "orders",
            {"customer": NL, "rows": [{"productnumber": skus[0], "count": 1}], "status": 5},
        )
    )
    made["cancel"] = made["completed"][0]
    made["return"] = made["completed"][1]
    return made


def _verdict(
    made: dict[str, Any], credit: dict[str, Any], exact: dict[str, Any], dead: int, wh: str
) -> dict[str, Any]:
    invoices = {d["YourRef"]: d for d in exact["invoices"]}
    notes = exact["credit_notes"]
    problems = []
    booked = made["completed"] + made["pending"]
    for order in booked:
        ref = f"{order['ordernumber_full']}/{wh}"
        invoice = invoices.get(ref)
        if invoice is None:
            problems.append(f"{ref}: no invoice")
        elif Decimal(str(invoice["AmountFC"])) != Decimal(str(order["total_price"])):
            problems.append(f"{ref}: Exact {invoice['AmountFC']} vs CCV {order['total_price']}")
    if len(exact["invoices"]) != len(booked):
        problems.append(f"{len(exact['invoices'])} invoices for {len(booked)} booked orders")
    cancelled = Decimal(str(made["cancel"]["total_price"]))
    returned = abs(Decimal(str(credit["total_price"])))
    want = sorted([-cancelled, -returned])
    got = sorted(Decimal(str(n["AmountFC"])) for n in notes)
    if got != want:
        problems.append(f"credit notes {[str(g) for g in got]}, expected {[str(w) for w in want]}")
    return {
        "platform": "ccvshop",
        "in_sync": not problems and dead == 0,
        "dead": dead,
        "orders": len(booked) + len(made["waiting"]),
        "invoices": len(exact["invoices"]),
        "credit_notes": len(notes),
        "problems": problems[:5],
    }
