"""The sandbox shop's records (users, products, orders with rows, invoices, webhooks) and
the arithmetic that gives an order its totals, served in CCV's resource shapes.

Order arithmetic is the sandbox's own reading, since CCV does not publish it: a row's
`total_price` is `count × (price − discount)`; row prices include VAT when the order's
`order_row_taxes_included` says so, shipping when `shipping_taxes_included` does; VAT is worked
out per row and rounded to the cent; intra-community and platform sales carry 0 % on every row
("Intra-Community sales have 0% VAT on all order rows", CCV orders schema).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
PREFIX = "/api/rest/v1"


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        self.now = now
        self.users: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.orderrows: dict[int, dict[str, Any]] = {}
        self.invoices: dict[int, dict[str, Any]] = {}
        self.invoicerows: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[int, dict[str, Any]] = {}
        self._ids: dict[str, int] = {}
        self.next_ordernumber = 1001
        self.next_invoicenumber = 5001

    def new_id(self, kind: str) -> int:
        # Ids per kind start at different places so that a mixed-up id is not found by luck.
        start = {"users": 100, "products": 2000, "orders": 300000, "orderrows": 700000}
        self._ids[kind] = self._ids.get(kind, start.get(kind, 900)) + 1
        return self._ids[kind]

    # -- writes from the control door ------------------------------------------------------

    def add_user(self, info: dict[str, Any]) -> dict[str, Any]:
        uid = self.new_id("users")
        user = {"id": uid, "username": info.get("email"), "status": True, "userinfo": info}
        self.users[uid] = user
        return user

    def add_product(self, fields: dict[str, Any]) -> dict[str, Any]:
        pid = self.new_id("products")
        now = stamp(self.now())
        product = {
            "id": pid,
            "is_active": True,
            "createdate": now,
            "modifydate": now,
            "discount": Decimal(0),
            "vatrate": Decimal(21),
            "stockenabled": True,
            "stock": Decimal(0),
            **fields,
        }
        self.products[pid] = product
        return product

    def find_product(self, *, product_id: int | None, number: str | None) -> dict | None:
        if product_id is not None:
            return self.products.get(product_id)
        return next((p for p in self.products.values() if p.get("productnumber") == number), None)

    def add_order(self, order: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
        oid = self.new_id("orders")
        order = {"id": oid, **order}
        if order.get("is_completed", True):
            order["ordernumber"] = self.next_ordernumber
            order["ordernumber_full"] = f"ORD-{self.next_ordernumber}"
            self.next_ordernumber += 1
        order["orderrow_ids"] = []
        for row in rows:
            rid = self.new_id("orderrows")
            self.orderrows[rid] = {"id": rid, "order_id": oid, **row}
            order["orderrow_ids"].append(rid)
        self.orders[oid] = order
        self.recalculate(order)
        return order

    def recalculate(self, order: dict[str, Any]) -> None:
        rows = [self.orderrows[r] for r in order["orderrow_ids"]]
        zero_rated = order.get("is_intra_community_order") or order.get("is_platform_sale")
        totals = _totals(
            rows,
            rows_gross=order["order_row_taxes_included"],
            shipping=order["total_shipping"],
            shipping_rate=order["shipping_tax_percentage"],
            shipping_gross=order["shipping_taxes_included"],
            extra=order["paymethod_costs"] + order["extra_costs"],
            zero_rated=bool(zero_rated),
        )
        order.update(totals)

    def add_invoice(
        self,
        order: dict[str, Any],
        rows: list[dict[str, Any]],
        *,
        credit: bool,
        sign: str,
        shipping: Decimal,
    ) -> dict[str, Any]:
        iid = self.new_id("invoices")
        totals = _totals(
            rows,
            rows_gross=order["order_row_taxes_included"],
            shipping=shipping,
            shipping_rate=order["shipping_tax_percentage"],
            shipping_gross=order["shipping_taxes_included"],
            extra=Decimal(0),
            zero_rated=bool(order.get("is_intra_community_order")),
        )
        flip = credit and sign == "negative"
        invoice = {
            "id": iid,
            "invoicenumber": self.next_invoicenumber,
            "invoicenumber_full": f"INV-{self.next_invoicenumber}",
            "ordernumber": order.get("ordernumber"),
            "order_id": order["id"],
            "create_date": stamp(self.now()),
            "status": 3 if credit else (1 if order.get("paid") else 2),
            "type": "credit" if credit else "debit",
            "currency": order["currency"],
            "taxes_included": order["taxes_included"],
            "invoice_row_taxes_included": order["order_row_taxes_included"],
            "shipping_taxes_included": order["shipping_taxes_included"],
            "shipping_tax_percentage": order["shipping_tax_percentage"],
            "is_intra_community_order": order.get("is_intra_community_order", False),
            "total_shipping": -shipping if flip else shipping,
            "total_discounts": -totals["total_discounts"] if flip else totals["total_discounts"],
            "total_price": -totals["total_price"] if flip else totals["total_price"],
            "total_tax": -totals["total_tax"] if flip else totals["total_tax"],
            "invoicerow_ids": [],
        }
        self.next_invoicenumber += 1
        for row in rows:
            rid = self.new_id("invoicerows")
            copy = {k: v for k, v in row.items() if k not in ("id", "order_id")}
            if flip:
                copy["total_price"] = -copy["total_price"]
            self.invoicerows[rid] = {"id": rid, "invoice_id": iid, **copy}
            invoice["invoicerow_ids"].append(rid)
        self.invoices[iid] = invoice
        return invoice

    # -- CCV's shapes ----------------------------------------------------------------------

    def order_view(self, order: dict[str, Any], base: str) -> dict[str, Any]:
        oid = order["id"]
        view = {k: v for k, v in order.items() if k != "orderrow_ids"}
        view["href"] = f"{base}{PREFIX}/orders/{oid}/"
        view["orderrows"] = {"href": f"{base}{PREFIX}/orders/{oid}/orderrows/"}
        view["invoices"] = {"href": f"{base}{PREFIX}/orders/{oid}/invoices/"}
        uid = order.get("user_id")
        view.pop("user_id", None)
        view["user"] = {
            "id": uid,
            "href": f"{base}{PREFIX}/users/{uid}/" if uid else None,
            "discount": Decimal(0),
        }
        return view

    def row_view(self, row: dict[str, Any], base: str) -> dict[str, Any]:
        view = dict(row)
        if row.get("product_id"):
            view["product_href"] = f"{base}{PREFIX}/products/{row['product_id']}/"
        return view

    def invoice_view(self, invoice: dict[str, Any], base: str) -> dict[str, Any]:
        iid = invoice["id"]
        view = {k: v for k, v in invoice.items() if k not in ("invoicerow_ids", "order_id")}
        view["href"] = f"{base}{PREFIX}/invoices/{iid}/"
        view["order"] = {"href": f"{base}{PREFIX}/orders/{invoice['order_id']}/"}
        view["invoicerows"] = {"href": f"{base}{PREFIX}/invoices/{iid}/invoicerows/"}
        return view

    def href_view(self, kind: str, record: dict[str, Any], base: str) -> dict[str, Any]:
        return {**record, "href": f"{base}{PREFIX}/{kind}/{record['id']}/"}


def _totals(
    rows: list[dict[str, Any]],
    *,
    rows_gross: bool,
    shipping: Decimal,
    shipping_rate: Decimal,
    shipping_gross: bool,
    extra: Decimal,
    zero_rated: bool,
) -> dict[str, Decimal]:
    rows_total = Decimal(0)
    rows_tax = Decimal(0)
    discounts = Decimal(0)
    for row in rows:
        if zero_rated:
            row["tax"] = Decimal(0)
        row["total_price"] = money(row["count"] * (row["price"] - row["discount"]))
        rows_total += row["total_price"]
        discounts += money(row["count"] * row["discount"])
        rows_tax += _vat(row["total_price"], row["tax"], gross=rows_gross)
    ship_rate = Decimal(0) if zero_rated else shipping_rate
    shipping_tax = _vat(shipping, ship_rate, gross=shipping_gross)
    price = (
        rows_total
        + (Decimal(0) if rows_gross else rows_tax)
        + shipping
        + (Decimal(0) if shipping_gross else shipping_tax)
        + extra
    )
    return {
        "total_orderrow_price": rows_total,
        "total_discounts": discounts,
        "total_tax": rows_tax + shipping_tax,
        "total_price": money(price),
    }


def _vat(amount: Decimal, rate: Decimal, *, gross: bool) -> Decimal:
    if gross:
        return money(amount - amount * 100 / (100 + rate))
    return money(amount * rate / 100)
