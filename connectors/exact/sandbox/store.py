"""The sandbox's in-memory division: tables of entity rows, stock per item and warehouse, counters.

Rows hold Python values (Decimal, datetime, GUID text) and are rendered by `entities`. Every
change goes through `changed`, which bumps the row version the sync API pages on and tells the
webhook dispatcher.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from connectors.sandbox_catalogue import Catalogue

from .clock import SandboxClock

Row = dict[str, Any]
ChangeListener = Callable[[str, str, str, str], None]  # topic, action, key, endpoint path

# Exact's Journal.Type values (Exact docs, FinancialJournals): 12 bank, 20 sales, 90 general.
JOURNAL_TYPES = {"bank": 12, "sales": 20, "general": 90}
_RATE_TO_VAT = {Decimal("21"): "1", Decimal("9"): "2", Decimal("0"): "0"}


def new_guid() -> str:
    return str(uuid.uuid4())


@dataclass
class Rules:
    """Exact behaviour the sources leave open: each is a setting, so a test can run either way.

    `orders_reserve`: does an open sales order raise ReservedStock as well as PlanningOut?
    Exact's property texts say no (ItemWarehouse.php: ReservedStock is "the quantity in a back
    to back order process ... not yet delivered"; PlannedStockOut is "open to be delivered based
    on i.e. sales orders"), so the default is False and FreeStock does not drop for an order.
    `webhook_https`: a WebhookSubscriptions CallbackURL must be https (pionect.nl). On by
    default; a loopback demo without TLS turns it off explicitly.
    `webhook_same_host`: the CallbackURL's host must be the app's redirect URI host. Stated
    in Exact's API notes, unverified in the contract; on by default (the strict side).
    `offset_dates`: what a business date sent with a UTC offset becomes (jsonio.parse_date):
    "refuse" (default: 400), "local" (the wall clock, offset dropped) or "utc" (converted to
    UTC, then zone-less). Exact stores zone-less local dates; no source says which applies.
    """

    orders_reserve: bool = False
    webhook_https: bool = True
    webhook_same_host: bool = True
    offset_dates: str = "refuse"

    def update(self, body: dict[str, Any]) -> None:
        from .jsonio import ApiError

        for name, value in body.items():
            if name not in self.__dataclass_fields__:
                raise ApiError(400, f"Unknown rule: {name}")
            kind = type(getattr(self, name))
            if kind is bool and not isinstance(value, bool):
                raise ApiError(400, f"{name} must be true or false")
            if name == "offset_dates" and value not in ("refuse", "local", "utc"):
                raise ApiError(400, "offset_dates must be refuse, local or utc")
            setattr(self, name, value)

    def state(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StockRow:
    id: str
    item_id: str
    warehouse_id: str
    on_hand: Decimal  # Exact's CurrentStock / InStock
    reserved: Decimal
    planning_in: Decimal
    planning_out: Decimal
    timestamp: int
    modified: Any

    @property
    def free(self) -> Decimal:
        return self.on_hand - self.reserved


class Store:
    def __init__(self, catalogue: Catalogue, division: int, clock: SandboxClock) -> None:
        self.catalogue = catalogue
        self.division = division
        self.clock = clock
        self.rowversion = 10_000
        self.listeners: list[ChangeListener] = []
        self.tables: dict[str, dict[str, Row]] = {}
        self.stock: dict[tuple[str, str], StockRow] = {}
        self.counters = {"order": 0, "invoice": 0, "entry": 0, "delivery": 0, "account": 0}
        self.calls: dict[str, int] = {}
        self.rules = Rules()
        self.app_redirect_uri: str | None = None  # the app's registered redirect URI
        self.division_move_date: Any = None  # system/Divisions DivisionMoveDate
        self._seed()

    # -- plumbing ---------------------------------------------------------------------------
    def table(self, name: str) -> dict[str, Row]:
        return self.tables.setdefault(name, {})

    def bump(self) -> int:
        self.rowversion += 1
        return self.rowversion

    def next_number(self, counter: str, start: int) -> int:
        self.counters[counter] = max(self.counters[counter] + 1, start)
        return self.counters[counter]

    def move_division(self) -> None:
        """Exact moved the division to another database: every sync Timestamp restarts low.

        The contract's sync/Inventory/StockPositions rule: "values reset when the division is
        moved (system/Divisions DivisionMoveDate)". A client's stored cursor is then above
        every Timestamp, and `Timestamp gt cursor` finds nothing until it starts over.
        """
        self.division_move_date = self.local_now()
        self.rowversion = 1
        for row in self.stock.values():
            row.timestamp = self.bump()
        for item in self.table("logistics/Items").values():
            item["Timestamp"] = self.bump()

    def division_rows(self) -> list[Row]:
        """system/Divisions: this one division (SystemDivision.php fields the flows read)."""
        return [
            {
                "Code": self.division,
                "Description": "Sandbox Merchant BV",
                "Current": True,
                "Currency": self.catalogue.currency,
                "DivisionMoveDate": self.division_move_date,
                "Status": 1,
                "Created": None,
                "Modified": self.division_move_date,
            }
        ]

    def local_now(self) -> Any:
        """Now as a zone-less local date and time in the division's zone (a default date)."""
        from zoneinfo import ZoneInfo

        return (
            self.clock.now_dt().astimezone(ZoneInfo(self.catalogue.timezone)).replace(tzinfo=None)
        )

    def base_row(self) -> Row:
        now = self.clock.now_dt()
        return {"Division": self.division, "Created": now, "Modified": now}

    def changed(self, topic: str, action: str, key: str, endpoint: str) -> None:
        for listener in self.listeners:
            listener(topic, action, key, endpoint)

    def find(self, table: str, field: str, value: Any) -> Row | None:
        for row in self.table(table).values():
            if row.get(field) == value:
                return row
        return None

    def get(self, table: str, key: Any) -> Row | None:
        if isinstance(key, str):
            key = key.lower()
        return self.table(table).get(key)

    # -- seed -------------------------------------------------------------------------------
    def _seed(self) -> None:
        cat = self.catalogue
        for loc in cat.locations:
            self._put(
                "inventory/Warehouses",
                {
                    "Code": loc.code,
                    "Description": loc.name,
                    "Main": 1 if loc is cat.locations[0] else 0,
                },
            )
        for vat in cat.vat_codes:
            self._put(
                "vat/VATCodes",
                {
                    "Code": vat.code,
                    "Description": vat.description,
                    "Percentage": vat.percentage,
                    "Type": "E",  # prices exclusive of VAT
                    "VATTransactionType": "S",  # sales
                    "EUSalesListing": "L" if vat.vat_type == "icp" else "N",
                    "OssCountry": vat.country if vat.vat_type == "oss" else None,
                    "IsBlocked": False,
                },
            )
        for gl in cat.gl_accounts:
            self._put(
                "financial/GLAccounts",
                {
                    "Code": gl.code,
                    "Description": gl.description,
                    "BalanceType": "B" if gl.kind == "balance" else "W",
                    "BalanceSide": "D",
                },
            )
        for j in cat.journals:
            self._put(
                "financial/Journals",
                {"Code": j.code, "Description": j.description, "Type": JOURNAL_TYPES[j.kind]},
            )
        groups = sorted({p.item_group for p in (*cat.products, *cat.service_items)})
        for code in groups:
            self._put("logistics/ItemGroups", {"Code": code, "Description": code.title()})
        for p in cat.products:
            self._put_item(p, stock_item=True)
        for p in cat.service_items:
            self._put_item(p, stock_item=False)
        warehouses = {w["Code"]: w["ID"] for w in self.table("inventory/Warehouses").values()}
        for (sku, loc), qty in cat.stock.items():
            item = self.find("logistics/Items", "Code", sku)
            assert item is not None
            self._put_stock(item["ID"], warehouses[loc], Decimal(qty))
        # A default debtor for consumers, as most merchants set one up.
        self._put(
            "crm/Accounts",
            {
                "Code": "1".rjust(18),  # Exact pads account codes to 18 characters
                "Name": "Webshop consumers",
                "Country": cat.shop_country,
                "Status": "C",
                "IsSales": True,
                # Exact has every column on every account (null when unset), so a filter on
                # Email or VATNumber must see this row too, not fail on a missing property.
                **dict.fromkeys(
                    (
                        "Email",
                        "Phone",
                        "VATNumber",
                        "AddressLine1",
                        "AddressLine2",
                        "Postcode",
                        "City",
                        "SearchCode",
                        "ChamberOfCommerce",
                        "Language",
                    )
                ),
            },
        )
        self.counters["account"] = 1

    def _put(self, table: str, values: Row) -> Row:
        row = {"ID": new_guid(), **self.base_row(), **values}
        self.table(table)[row["ID"]] = row
        return row

    def _put_item(self, product: Any, *, stock_item: bool) -> None:
        group = self.find("logistics/ItemGroups", "Code", product.item_group)
        vat_code = _RATE_TO_VAT.get(product.vat_rate, "1")
        vat = self.find("vat/VATCodes", "Code", vat_code)
        rate = product.vat_rate / 100
        excl = (product.price / (1 + rate)).quantize(Decimal("0.0001"))
        self._put(
            "logistics/Items",
            {
                "Code": product.sku,
                "Description": product.title,
                "ItemGroup": group["ID"] if group else None,
                "ItemGroupCode": product.item_group,
                "ItemGroupDescription": group["Description"] if group else None,
                "IsStockItem": stock_item,
                "IsSalesItem": True,
                "SalesVatCode": vat_code,
                "SalesVatCodeDescription": vat["Description"] if vat else None,
                "Unit": "pc",
                "UnitDescription": "Piece",
                "StandardSalesPrice": excl,
                "Barcode": None,
                "Timestamp": self.bump(),
            },
        )

    def _put_stock(self, item_id: str, warehouse_id: str, qty: Decimal) -> StockRow:
        row = StockRow(
            id=new_guid(),
            item_id=item_id,
            warehouse_id=warehouse_id,
            on_hand=qty,
            reserved=Decimal(0),
            planning_in=Decimal(0),
            planning_out=Decimal(0),
            timestamp=self.bump(),
            modified=self.clock.now_dt(),
        )
        self.stock[(item_id, warehouse_id)] = row
        return row

    # -- stock ------------------------------------------------------------------------------
    def stock_row(self, item_id: str, warehouse_id: str) -> StockRow:
        row = self.stock.get((item_id, warehouse_id))
        if row is None:
            row = self._put_stock(item_id, warehouse_id, Decimal(0))
        return row

    def move_stock(
        self,
        item_id: str,
        warehouse_id: str,
        *,
        on_hand: Decimal = Decimal(0),
        reserved: Decimal = Decimal(0),
        planning_in: Decimal = Decimal(0),
        planning_out: Decimal = Decimal(0),
    ) -> StockRow:
        """Apply deltas, bump the row version and tell subscribers (topic StockPositions)."""
        item = self.get("logistics/Items", item_id)
        if item is None or not item.get("IsStockItem"):
            raise KeyError(item_id)
        row = self.stock_row(item_id, warehouse_id)
        row.on_hand += on_hand
        row.reserved += reserved
        row.planning_in += planning_in
        row.planning_out += planning_out
        row.timestamp = self.bump()
        row.modified = self.clock.now_dt()
        # The StockPositions webhook carries the item's ID as its Key (one event per item).
        self.changed("StockPositions", "Update", item_id, f"logistics/Items(guid'{item_id}')")
        return row

    def order_stock(self, item_id: str, warehouse_id: str, quantity: Decimal) -> None:
        """An open sales order line plans `quantity` out (and reserves it if the rule says so)."""
        reserved = quantity if self.rules.orders_reserve else Decimal(0)
        self.move_stock(item_id, warehouse_id, reserved=reserved, planning_out=quantity)

    def deliver_stock(self, item_id: str, warehouse_id: str, quantity: Decimal) -> None:
        """A goods delivery of an order line: out of stock, off the plan (and the reservation)."""
        reserved = -quantity if self.rules.orders_reserve else Decimal(0)
        self.move_stock(
            item_id, warehouse_id, on_hand=-quantity, reserved=reserved, planning_out=-quantity
        )

    def main_warehouse(self) -> Row:
        for row in self.table("inventory/Warehouses").values():
            if row["Main"]:
                return row
        raise LookupError("no main warehouse")
