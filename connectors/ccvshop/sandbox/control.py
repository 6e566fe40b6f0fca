"""The operator's side door `/_sandbox/ccvshop/...`: make customers, products and orders,
move orders through statuses, credit them, set stock, inject faults, change the unconfirmed
settings and move the clock. Never signed, never rate-limited, never faulted.

| route                              | body                                                   |
| ---------------------------------- | ------------------------------------------------------ |
| `GET /state`                       | –  (counts, settings, faults, calls, refusals, now)    |
| `POST /customers`                  | `{email, first_name, last_name, country_code, company, |
|                                    | street, housenumber, zipcode, city, telephone, btw,    |
|                                    | delivery: {address fields}}` → a `/users/` record      |
| `POST /products`                   | `{productnumber, name, price, discount, vatrate,       |
|                                    | stock, eannumber}` → a product                         |
| `POST /orders`                     | `{rows: [{product_id or productnumber, count, price,   |
|                                    | discount, tax, sub_sku_number}], user_id or customer,  |
|                                    | total_shipping, shipping_tax_percentage,               |
|                                    | order_row_taxes_included, shipping_taxes_included,     |
|                                    | is_intra_community_order, status, paid, currency,      |
|                                    | is_completed, paymethod}` → the order (and its debit   |
|                                    | invoice when checkout is completed)                    |
| `POST /orders/{id}/status`         | `{status}` (1–14)                                      |
| `POST /orders/{id}/credit_invoice` | `{rows: [{orderrow_id, count}], shipping}`             |
| `POST /stock`                      | `{product_id or productnumber, stock}`                 |
| `GET/POST /faults`                 | `{error_rate, burst_429, bad_signature}`               |
| `GET/POST /settings`               | see `settings.Settings`                                |
| `POST /clock`                      | `{advance_seconds}`: shop time jumps (skew, windows)   |
| `POST /webhooks/deliver`           | –: post the waiting webhook calls now (see `webhooks`) |
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .settings import Faults, SettingError, Settings
from .store import Store, money, stamp
from .webhooks import Outbox

ADDRESS = (
    "first_name",
    "last_name",
    "company",
    "street",
    "housenumber",
    "housenumber_suffix",
    "zipcode",
    "city",
    "country_code",
    "telephone",
)


class ControlError(ValueError):
    pass


class Control:
    def __init__(
        self, store: Store, settings: Settings, faults: Faults, clock: Any, outbox: Outbox
    ) -> None:
        self.store, self.settings, self.faults, self.clock = store, settings, faults, clock
        self.outbox = outbox

    def handle(self, method: str, route: str, body: Any) -> Any:
        parts = [p for p in route.split("/") if p]
        try:
            if method == "GET" and parts == ["state"]:
                return self.state()
            if parts in (["faults"], ["settings"]):
                target = self.faults if parts == ["faults"] else self.settings
                if method == "POST":
                    target.update(_object(body))
                return target.state()
            if method != "POST":
                raise ControlError(f"no control route {method} /{route}")
            body = _object(body)
            if parts == ["customers"]:
                return self.add_customer(body)
            if parts == ["products"]:
                return _plain(self.add_product(body))
            if parts == ["orders"]:
                return _plain(self.add_order(body))
            if len(parts) == 3 and parts[0] == "orders" and parts[1].isdigit():
                order = self.store.orders.get(int(parts[1]))
                if order is None:
                    raise ControlError(f"no order {parts[1]}")
                if parts[2] == "status":
                    return _plain(self.set_status(order, body))
                if parts[2] == "credit_invoice":
                    return _plain(self.credit(order, body))
            if parts == ["stock"]:
                return _plain(self.set_stock(body))
            if parts == ["clock"]:
                self.clock.advance(_number(body, "advance_seconds"))
                return {"now": stamp(self.store.now())}
        except SettingError as exc:
            raise ControlError(str(exc)) from None
        raise ControlError(f"no control route {method} /{route}")

    def add_customer(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.store.add_user(personal_info(body))

    def add_product(self, body: dict[str, Any]) -> dict[str, Any]:
        number = _text(body, "productnumber")
        if self.store.find_product(product_id=None, number=number):
            raise ControlError(f"productnumber {number} exists")
        fields: dict[str, Any] = {
            "productnumber": number,
            "name": _text(body, "name"),
            "price": money(_number(body, "price")),
        }
        for name in ("discount", "vatrate", "stock"):
            if name in body:
                fields[name] = Decimal(str(_number(body, name)))
        if "eannumber" in body:
            fields["eannumber"] = _text(body, "eannumber")
        product = self.store.add_product(fields)
        self.outbox.emit("products.created", "products", product)
        return product

    def add_order(self, body: dict[str, Any]) -> dict[str, Any]:
        rows_in = body.get("rows")
        if not isinstance(rows_in, list) or not rows_in:
            raise ControlError("rows: a non-empty list of order rows is required")
        user_id = body.get("user_id")
        if user_id is not None:
            if user_id not in self.store.users:
                raise ControlError(f"no user {user_id}")
            customer = self.store.users[user_id]["userinfo"]
        else:
            customer = personal_info(_object(body.get("customer")))
        rows = [self._row(_object(r)) for r in rows_in]
        status = int(body.get("status", 1))
        if not 1 <= status <= 14:
            raise ControlError("status: 1 to 14")
        order = {
            "create_date": stamp(self.store.now()),
            "status": status,
            "is_completed": bool(body.get("is_completed", True)),
            "paid": bool(body.get("paid", False)),
            "currency": str(body.get("currency", "EUR")),
            "paymethod": body.get("paymethod", "iDEAL"),
            "taxes_included": True,
            "order_row_taxes_included": bool(body.get("order_row_taxes_included", True)),
            "shipping_taxes_included": bool(body.get("shipping_taxes_included", True)),
            "shipping_tax_percentage": Decimal(str(body.get("shipping_tax_percentage", 21))),
            "is_intra_community_order": bool(body.get("is_intra_community_order", False)),
            "is_platform_sale": False,
            "total_shipping": money(body.get("total_shipping", 0)),
            "paymethod_costs": money(body.get("paymethod_costs", 0)),
            "extra_costs": money(body.get("extra_costs", 0)),
            "user_id": user_id,
            "customer": customer,
        }
        created = self.store.add_order(order, rows)
        for row in rows:
            product = self.store.products.get(row.get("product_id") or 0)
            if product and product.get("stockenabled"):
                product["stock"] -= row["count"]
        if created.get("is_completed"):
            self.store.add_invoice(
                created,
                [self.store.orderrows[r] for r in created["orderrow_ids"]],
                credit=False,
                sign=self.settings.credit_invoice_sign,
                shipping=created["total_shipping"],
            )
            created["invoicenumber"] = self.store.next_invoicenumber - 1
        self.outbox.emit("orders.created", "orders", created)
        return created

    def _row(self, body: dict[str, Any]) -> dict[str, Any]:
        product = self.store.find_product(
            product_id=body.get("product_id"), number=body.get("productnumber")
        )
        if product is None:
            raise ControlError(f"row names no known product: {body}")
        count = Decimal(str(_number(body, "count")))
        if count <= 0:
            raise ControlError("count must be positive")
        return {
            "product_id": product["id"],
            "product_name": body.get("product_name", product["name"]),
            "product_number": product["productnumber"],
            "sub_sku_number": body.get("sub_sku_number"),
            "product_type": "product",
            "count": count,
            "price": money(body.get("price", product["price"])),
            "discount": money(body.get("discount", product.get("discount", 0))),
            "tax": Decimal(str(body.get("tax", product.get("vatrate", 21)))),
        }

    def set_status(self, order: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        status = body.get("status")
        if not isinstance(status, int) or not 1 <= status <= 14:
            raise ControlError("status: 1 to 14")
        order["status"] = status
        self.outbox.emit("orders.updated", "orders", order)
        return order

    def credit(self, order: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        rows = []
        for item in body.get("rows") or []:
            item = _object(item)
            rid = item.get("orderrow_id")
            if rid not in order["orderrow_ids"]:
                raise ControlError(f"order {order['id']} has no row {rid}")
            row = dict(self.store.orderrows[rid])
            count = Decimal(str(_number(item, "count")))
            if not 0 < count <= row["count"]:
                raise ControlError(f"row {rid}: count must be above 0 and at most {row['count']}")
            row["count"] = count
            rows.append(row)
        shipping = money(body.get("shipping", 0))
        if not rows and not shipping:
            raise ControlError("a credit invoice needs rows or shipping")
        invoice = self.store.add_invoice(
            order, rows, credit=True, sign=self.settings.credit_invoice_sign, shipping=shipping
        )
        self.outbox.emit("invoices.created", "invoices", invoice)
        return invoice

    def set_stock(self, body: dict[str, Any]) -> dict[str, Any]:
        product = self.store.find_product(
            product_id=body.get("product_id"), number=body.get("productnumber")
        )
        if product is None:
            raise ControlError("no such product")
        product["stock"] = Decimal(str(_number(body, "stock")))
        product["modifydate"] = stamp(self.store.now())
        self.outbox.emit("products.updated", "products", product)
        return product

    def state(self) -> dict[str, Any]:
        s = self.store
        return {
            "now": stamp(s.now()),
            "users": len(s.users),
            "products": len(s.products),
            "orders": len(s.orders),
            "invoices": len(s.invoices),
            "webhooks": _plain(list(s.webhooks.values())),
            "settings": self.settings.state(),
            "faults": self.faults.state(),
            "webhook_calls": self.outbox.state(),
        }


def personal_info(body: dict[str, Any]) -> dict[str, Any]:
    """The personal-info entity CCV nests in orders and users, from flat control input."""
    if not body.get("email"):
        raise ControlError("customer: email is required")
    if not body.get("country_code"):
        raise ControlError("customer: country_code is required")
    billing = {name: body[name] for name in ADDRESS if body.get(name) is not None}
    billing["full_name"] = " ".join(p for p in (body.get("first_name"), body.get("last_name")) if p)
    delivery = _object(body["delivery"]) if body.get("delivery") else None
    return {
        "email": body["email"],
        "customertype": "business" if body.get("company") else "consumer",
        "btw": body.get("btw"),
        "kvk": body.get("kvk"),
        "billingaddress": billing,
        "deliveryaddress": {**billing, **delivery} if delivery else dict(billing),
    }


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ControlError("expected a JSON object")
    return value


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ControlError(f"{name}: a non-empty string is required")
    return value


def _number(body: dict[str, Any], name: str) -> Any:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ControlError(f"{name}: a number is required")
    return value


def _plain(record: Any) -> Any:
    """A record without the sandbox's bookkeeping keys."""
    if isinstance(record, list):
        return [_plain(r) for r in record]
    return {k: v for k, v in record.items() if not k.endswith("_ids")}
