"""A goods delivery is made once per fulfilment and warehouse, even when our link to it was lost:
the retry finds Exact's delivery by its Description marker (a goods delivery has no YourRef)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.flows.orders.fulfilment import DELIVERIES, deliver, delivery_marker
from state.intents import Intent

pytestmark = pytest.mark.anyio
FID = "gid://shopify/Fulfillment/42"


@dataclass
class FakeExact:
    """Exact as the flow sees it: two open lines, and deliveries it already holds."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)

    async def get(self, path: str, **options: Any) -> list[dict[str, Any]]:
        if path == "salesorder/SalesOrderLines":
            return [
                {"ID": "l1", "LineNumber": 1, "Quantity": 2, "QuantityDelivered": 1},
                {"ID": "l2", "LineNumber": 2, "Quantity": 1, "QuantityDelivered": 0},
            ]
        assert path == DELIVERIES
        self.filters.append(str(options["filter"]))
        wanted = str(options["filter"]).split("'")[1].replace("''", "'")
        return [d for d in self.deliveries if d["Description"] == wanted]

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert path == DELIVERIES
        self.posted.append(body)
        made = {"EntryID": f"e{len(self.posted)}", **body}
        self.deliveries.append(made)
        return made


class FakeLinks:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}

    async def get(self, entity: str, key: str) -> Any:
        return self.rows.get((entity, key))

    async def put(self, entity: str, key: str, exact_id: str, **_: Any) -> None:
        self.rows[(entity, key)] = exact_id


class FakeIntents:
    """The intent journal (state/intents.py) in memory; `lose_answers` forgets each outcome,
    as when Exact booked the delivery and the answer never came back."""

    def __init__(self, *, lose_answers: bool = False) -> None:
        self.rows: dict[str, Intent] = {}
        self.lose_answers = lose_answers

    async def get(self, ref: str) -> Intent | None:
        return self.rows.get(ref)

    async def begin(self, ref: str) -> None:
        old = self.rows.get(ref)
        self.rows[ref] = Intent(ref, (old.attempts + 1) if old else 1, None)

    async def done(self, ref: str, outcome: dict[str, Any]) -> None:
        if not self.lose_answers:
            self.rows[ref] = Intent(ref, self.rows[ref].attempts, outcome)

    async def legacy_retry(self) -> bool:
        return False


def _services(exact: FakeExact, intents: FakeIntents | None = None) -> Any:
    scheduler = SimpleNamespace(zone=ZoneInfo("Europe/Amsterdam"))
    return SimpleNamespace(
        exact=exact,
        links=FakeLinks(),
        intents=intents or FakeIntents(),
        extras={"scheduler": scheduler},
    )


def _order_links() -> dict[str, Any]:
    data = {
        "document": "salesorder",
        "lines": [
            {"kind": "product", "line_id": "S1"},
            {"kind": "product", "line_id": "S2"},
        ],
    }
    return {"AMS": SimpleNamespace(exact_id="00000000-0000-0000-0000-000000000001", data=data)}


async def test_first_delivery_carries_date_marker_and_no_yourref():
    exact = FakeExact()
    services = _services(exact)
    made = await deliver(
        services, FID, "#1001", [("S1", 1)], _order_links(), "AMS", "2026-05-03T22:30:00Z"
    )
    (body,) = exact.posted
    assert "YourRef" not in body
    assert body["Description"] == delivery_marker("#1001", "AMS", FID) == made[0]
    assert body["DeliveryDate"] == dt.date(2026, 5, 4)  # 00:30 in Amsterdam
    assert body["GoodsDeliveryLines"] == [
        {"SalesOrderLineID": "l1", "QuantityDelivered": Decimal(1)}
    ]
    assert exact.filters == []  # a first attempt: nothing can be in Exact yet, no search


async def test_a_delivery_whose_answer_was_lost_is_searched_by_its_marker_and_not_made_again():
    exact = FakeExact()
    intents = FakeIntents(lose_answers=True)  # booked in Exact; the answer (and link) lost
    await deliver(_services(exact, intents), FID, "#1001", [("S1", 1)], _order_links(), "AMS")
    services = _services(exact, intents)
    await deliver(services, FID, "#1001", [("S1", 1)], _order_links(), "AMS")
    assert len(exact.posted) == 1
    assert exact.filters == [f"Description eq '{delivery_marker('#1001', 'AMS', FID)}'"]
    assert services.links.rows == {("fulfillment", f"{FID}:AMS"): "e1"}


async def test_a_delivery_whose_link_was_lost_is_found_not_made_again():
    exact = FakeExact()
    intents = FakeIntents()
    await deliver(_services(exact, intents), FID, "#1001", [("S1", 1)], _order_links(), "AMS")
    # A fresh run that never stored the link (killed before it, or the link table restored):
    # the journal has Exact's answer, so neither a search nor a second post.
    services = _services(exact, intents)
    await deliver(services, FID, "#1001", [("S1", 1)], _order_links(), "AMS")
    assert len(exact.posted) == 1
    assert services.links.rows == {("fulfillment", f"{FID}:AMS"): "e1"}
    # The link now answers first: no search, no post.
    before = len(exact.filters)
    assert await deliver(services, FID, "#1001", [("S1", 1)], _order_links(), "AMS") == []
    assert len(exact.filters) == before
