"""Control actions on orders: create (with tax by destination), pay, fulfil, cancel."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox import webhook_payloads as wp
from connectors.shopify.sandbox.actions_common import (
    ActionError,
    Emit,
    add_transaction,
    dec,
    emit_level,
    emit_order,
    get_order,
    ids,
    touch,
)
from connectors.shopify.sandbox.addresses import default_address, parse_address
from connectors.shopify.sandbox.records import (
    CustomerRec,
    FulfillmentRec,
    GiftCardRec,
    LineRec,
    OrderRec,
    ShippingRec,
)
from connectors.shopify.sandbox.state import ShopState, cents, gid, parse_id, utcnow

EU = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
}
# Destination VAT rates (standard, reduced) for OSS sales; others fall back to the shop's own.
RATES = {
    "NL": (Decimal(21), Decimal(9)),
    "BE": (Decimal(21), Decimal(6)),
    "DE": (Decimal(19), Decimal(7)),
    "FR": (Decimal(20), Decimal("5.5")),
}


def tax_rate(state: ShopState, product_rate: Decimal, dest: str, exempt: bool) -> Decimal:
    """Domestic rate at home, destination rate (OSS) in the EU, none for exports or B2B ICP."""
    home = state.catalogue.shop_country
    if dest not in EU or (exempt and dest != home):
        return Decimal(0)
    if dest == home:
        return product_rate
    high, low = RATES.get(dest, RATES.get(home, (Decimal(21), Decimal(9))))
    return high if product_rate >= Decimal(21) else low


def _customer(
    state: ShopState, data: dict[str, Any], country: str, address: dict[str, Any] | None
) -> CustomerRec | None:
    info = data.get("customer") or ({"email": data["email"]} if data.get("email") else None)
    if not info:
        return None
    found = state.customer_by_email(info["email"])
    if found is None:
        now = utcnow()
        found = CustomerRec(
            state.new_id(),
            info["email"],
            info.get("first_name", "Sandbox"),
            info.get("last_name", "Customer"),
            info.get("company"),
            info.get("country", country),
            info.get("vat_number"),
            now,
            now,
            default_address=dict(address) if address else None,
        )
        state.customers[found.id] = found
    elif address and found.default_address is None:
        found.default_address = dict(address)  # a first address for a customer without one
    if info.get("vat_number"):
        found.vat_number = info["vat_number"]
    if info.get("company"):
        found.company = info["company"]
    return found


def _country(address: Any) -> str | None:
    return address.get("country_code") if isinstance(address, dict) else None


def _lines(state: ShopState, data: dict[str, Any], dest: str, exempt: bool) -> list[LineRec]:
    lines, first_location = [], next(iter(state.locations))
    for i, spec in enumerate(data.get("lines") or []):
        qty = int(spec.get("quantity", 1))
        if qty <= 0:
            raise ActionError(f"lines[{i}].quantity must be positive")
        if spec.get("gift_card"):
            lines.append(
                LineRec(
                    state.new_id(),
                    None,
                    "Gift card",
                    qty,
                    dec(spec.get("amount", "25.00"), "amount"),
                    Decimal(0),
                    first_location,
                    is_gift_card=True,
                )
            )
            continue
        variant = state.variant_by_sku(str(spec.get("sku")))
        if variant is None:
            raise ActionError(f"lines[{i}]: no variant with sku {spec.get('sku')!r}")
        loc = state.location_by_code(spec["location"]) if spec.get("location") else None
        if spec.get("location") and loc is None:
            raise ActionError(f"lines[{i}]: unknown location {spec['location']!r}")
        rate = tax_rate(state, variant.vat_rate, dest, exempt)
        price = dec(spec["price"], "price") if "price" in spec else variant.price
        if state.taxes_included and rate == 0 and variant.vat_rate:
            # A tax-exempt or export sale pays the price without the tax it includes.
            price = cents(price * 100 / (100 + variant.vat_rate))
        title = state.products[variant.product_id].title
        lines.append(
            LineRec(
                state.new_id(),
                variant.sku,
                title,
                qty,
                price,
                rate,
                loc.id if loc else first_location,
                variant_id=variant.id,
            )
        )
    if not lines:
        raise ActionError("an order needs at least one line")
    return lines


def _allocate_discount(lines: list[LineRec], amount: Decimal) -> None:
    """Split an order discount across product lines in proportion to their totals."""
    targets = [x for x in lines if not x.is_gift_card]
    base = sum((om.line_original_total(x) for x in targets), Decimal(0))
    if amount > base:
        raise ActionError("discount is larger than the discountable lines")
    left = amount
    for i, line in enumerate(targets):
        share = (
            left if i == len(targets) - 1 else cents(amount * om.line_original_total(line) / base)
        )
        line.discount, left = share, left - share


def _presentment(state: ShopState, data: dict[str, Any]) -> tuple[str | None, Decimal | None]:
    """A multi-currency order: the buyer pays in `presentment_currency` at `rate` (units of it
    per shop unit); every MoneyBag then carries both sides, as Shopify's do."""
    code = data.get("presentment_currency")
    if code is None or code == state.currency:
        return None, None
    if not (isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()):
        raise ActionError("presentment_currency must be an ISO 4217 code like USD")
    rate = dec(data.get("rate"), "rate")
    if rate <= 0:
        raise ActionError("rate must be positive")
    return code, rate


def create_order(state: ShopState, emit: Emit, data: dict[str, Any]) -> dict[str, Any]:
    home = state.catalogue.shop_country
    ship_raw, bill_raw = data.get("shipping_address"), data.get("billing_address")
    ship_to = (
        _country(ship_raw)
        or data.get("shipping_country")
        or _country(bill_raw)
        or data.get("billing_country")
        or home
    ).upper()
    bill_to = (_country(bill_raw) or data.get("billing_country") or ship_to).upper()
    # Addresses are checked before anything is stored (a new customer included).
    ship_parsed = parse_address(ship_raw, "shipping_address", ship_to) if ship_raw else None
    bill_parsed = parse_address(bill_raw, "billing_address", bill_to) if bill_raw else None
    customer = _customer(state, data, ship_to, ship_parsed or bill_parsed)
    exempt = bool(customer and customer.vat_number)
    lines = _lines(state, data, ship_to, exempt)
    if data.get("discount"):
        disc = data["discount"]
        _allocate_discount(lines, dec(disc.get("amount"), "discount.amount"))
    shipping = []
    if data.get("shipping"):
        s = data["shipping"]
        rate = tax_rate(state, Decimal(21), ship_to, exempt)
        shipping.append(
            ShippingRec(
                state.new_id(),
                s.get("title", "Standard"),
                dec(s.get("price", "0"), "shipping.price"),
                rate,
            )
        )
    paid = (data.get("financial_status") or "paid").lower() == "paid"
    if paid and data.get("gift_card_payment"):
        _check_gift_card(state, data["gift_card_payment"])  # fail before anything is stored
    now = utcnow()
    first, last = (customer.first_name, customer.last_name) if customer else (None, None)
    company = (data.get("customer") or {}).get("company") or (customer and customer.company)
    ship_address = ship_parsed or default_address(ship_to, first, last, company)
    if bill_parsed:
        bill_address = bill_parsed
    elif ship_parsed and bill_to == ship_to:
        bill_address = dict(ship_address)  # "billing address same as shipping"
    else:
        bill_address = default_address(bill_to, first, last, company)
    order = OrderRec(
        state.new_id(),
        state.next_order_number(),
        customer.email if customer else data.get("email"),
        customer.id if customer else None,
        now,
        now,
        lines,
        shipping,
        ship_address,
        bill_address,
        discount_title=(data.get("discount") or {}).get("title"),
        discount_total=sum((x.discount for x in lines), Decimal(0)),
        tip=dec(data.get("tip", "0"), "tip"),
        note=data.get("note"),
    )
    if customer and customer.vat_number:
        order.attributes.append({"key": "vat_number", "value": customer.vat_number})
    order.presentment_currency, order.presentment_rate = _presentment(state, data)
    state.orders[order.id] = order
    for line in lines:
        if not line.is_gift_card:
            level = state.levels[
                (state.variants[line.variant_id].inventory_item_id, line.location_id)
            ]
            state.move(level, available=-line.quantity, committed=line.quantity)
            emit_level(state, emit, level)
    emit_order(state, emit, order, "orders/create")
    result = {
        "order_id": gid("Order", order.id),
        "order_name": order.name,
        "line_item_ids": ids("LineItem", [x.id for x in lines]),
        "customer_id": gid("Customer", customer.id) if customer else None,
    }
    if paid:
        result |= _pay(state, emit, order, data.get("gift_card_payment"))
    return result


def _pay(
    state: ShopState, emit: Emit, order: OrderRec, gift: dict[str, Any] | None
) -> dict[str, Any]:
    due = om.outstanding(state, order)
    if due <= 0:
        raise ActionError(f"order {order.name} has nothing outstanding")
    tx_ids = []
    if gift:
        card, amount = _check_gift_card(state, gift, due)
        amount = min(amount, due)
        card.balance -= amount
        card.updated_at = utcnow()
        tx = add_transaction(state, order, "SALE", "gift_card", amount)
        card.transactions.append(
            {"id": state.new_id(), "amount": -amount, "at": utcnow(), "note": order.name}
        )
        tx.gift_card_id = card.id
        tx_ids.append(tx.id)
        due -= amount
    if due > 0:
        tx_ids.append(add_transaction(state, order, "SALE", "shopify_payments", due).id)
    touch(order)
    cards = _issue_sold_gift_cards(state, emit, order)
    emit_order(state, emit, order, "orders/paid", "orders/updated")
    return {
        "transaction_ids": ids("OrderTransaction", tx_ids),
        "gift_card_ids": ids("GiftCard", cards),
    }


def _check_gift_card(
    state: ShopState, gift: dict[str, Any], due: Decimal | None = None
) -> tuple[GiftCardRec, Decimal]:
    try:
        card = state.gift_cards.get(parse_id(gift["gift_card_id"]))
    except (KeyError, ValueError):
        card = None
    amount = dec(gift.get("amount", due if due is not None else 0), "gift_card_payment.amount")
    expired = card is not None and card.expires_on is not None and card.expires_on < date.today()
    if card is None or card.deactivated_at is not None or expired or card.balance < amount:
        raise ActionError("gift card missing, disabled, expired or without enough balance")
    return card, amount


def _issue_sold_gift_cards(state: ShopState, emit: Emit, order: OrderRec) -> list[int]:
    """Gift cards sold in the order come to life once it is paid (and count as fulfilled)."""
    made = []
    for line in order.lines:
        if not line.is_gift_card or line.fulfilled:
            continue
        for _ in range(line.quantity):
            now = utcnow()
            card = GiftCardRec(
                state.new_id(),
                secrets.token_hex(8).upper(),
                line.unit_price,
                line.unit_price,
                now,
                now,
                order_id=order.id,
                line_id=line.id,
                customer_id=order.customer_id,
            )
            card.transactions.append({"id": state.new_id(), "amount": line.unit_price, "at": now})
            state.gift_cards[card.id] = card
            made.append(card.id)
        line.fulfilled = line.quantity
    return made


def mark_paid(state: ShopState, emit: Emit, order_ref: Any, data: dict[str, Any]) -> dict:
    order = get_order(state, order_ref)
    if order.cancelled_at is not None:
        raise ActionError(f"order {order.name} is cancelled")
    return {"order_id": gid("Order", order.id)} | _pay(
        state, emit, order, data.get("gift_card_payment")
    )


def fulfil(state: ShopState, emit: Emit, order_ref: Any, data: dict[str, Any]) -> dict:
    """Ship what is left (per location), or with `lines` only the chosen lines and quantities:
    as real Shopify's fulfillmentCreate ships chosen fulfillment-order lines, one fulfilment
    per location and as many fulfilments per location as calls."""
    order = get_order(state, order_ref)
    if order.cancelled_at is not None:
        raise ActionError(f"order {order.name} is cancelled")
    loc = state.location_by_code(data["location"]) if data.get("location") else None
    if data.get("location") and loc is None:
        raise ActionError(f"unknown location {data['location']!r}")
    if data.get("lines") is not None:
        chosen = _chosen_lines(order, data["lines"], loc)
    else:
        chosen = [
            (line, om.unfulfilled(line))
            for line in order.lines
            if not line.is_gift_card
            and om.unfulfilled(line)
            and (loc is None or line.location_id == loc.id)
        ]
    by_loc: dict[int, list[tuple[LineRec, int]]] = {}
    for line, qty in chosen:
        by_loc.setdefault(line.location_id, []).append((line, qty))
    if not by_loc:
        raise ActionError(f"order {order.name} has nothing left to fulfil there")
    made = []
    for location_id, lines in by_loc.items():
        f = FulfillmentRec(state.new_id(), order.id, location_id, [], utcnow())
        for line, qty in lines:
            f.lines.append((state.new_id(), line.id, qty))
            line.fulfilled += qty
            level = state.levels[(state.variants[line.variant_id].inventory_item_id, location_id)]
            state.move(level, committed=-qty)
        state.fulfillments[f.id] = f
        order.fulfillment_ids.append(f.id)
        made.append(f.id)
        emit("fulfillments/create", wp.fulfillment(state, f))
    touch(order)
    done = om.fulfillment_status(order) == "FULFILLED"
    emit_order(
        state,
        emit,
        order,
        "orders/updated",
        "orders/fulfilled" if done else "orders/partially_fulfilled",
    )
    return {"order_id": gid("Order", order.id), "fulfillment_ids": ids("Fulfillment", made)}


def _chosen_lines(order: OrderRec, specs: Any, loc: Any) -> list[tuple[LineRec, int]]:
    """`lines: [{sku or line_item_id, quantity?}]` → (line, quantity), checked as Shopify
    checks fulfillment-order lines: never more than is left to ship, one location per call."""
    if not isinstance(specs, list) or not specs:
        raise ActionError("lines must be a non-empty list of {sku or line_item_id, quantity}")
    out: list[tuple[LineRec, int]] = []
    for i, spec in enumerate(specs):
        matches = [
            x
            for x in order.lines
            if ("line_item_id" in spec and x.id == parse_id(spec["line_item_id"]))
            or ("sku" in spec and x.sku is not None and x.sku == spec["sku"])
        ]
        if not matches:
            raise ActionError(f"lines[{i}]: order {order.name} has no such line")
        line = matches[0]
        if line.is_gift_card:
            raise ActionError(f"lines[{i}]: gift card lines are fulfilled when the order is paid")
        left = om.unfulfilled(line) - sum(q for x, q in out if x is line)
        qty = int(spec.get("quantity", left))
        if qty <= 0 or qty > left:
            raise ActionError(
                f"lines[{i}]: Invalid fulfillment order line item quantity requested "
                f"({qty}; {left} left to fulfil)"
            )
        if loc is not None and line.location_id != loc.id:
            raise ActionError(f"lines[{i}]: the line is not assigned to location {loc.code}")
        out.append((line, qty))
    if len({line.location_id for line, _ in out}) > 1:
        raise ActionError(
            "lines are assigned to different locations: one fulfilment ships from one location"
        )
    return out


def cancel(state: ShopState, emit: Emit, order_ref: Any, data: dict[str, Any]) -> dict:
    from connectors.shopify.sandbox.actions_refunds import refund_remaining

    order = get_order(state, order_ref)
    if order.cancelled_at is not None:
        raise ActionError(f"order {order.name} is already cancelled")
    if any(x.fulfilled for x in order.lines if not x.is_gift_card):
        raise ActionError(f"order {order.name} has fulfilments; refund it instead")
    result: dict[str, Any] = {"order_id": gid("Order", order.id)}
    if data.get("refund", True) and om.received(state, order) > om.refunded(state, order):
        result |= refund_remaining(state, emit, order, restock=data.get("restock", True))
    for line in order.lines:
        qty = om.unfulfilled(line)
        if qty and not line.is_gift_card:
            level = state.levels[
                (state.variants[line.variant_id].inventory_item_id, line.location_id)
            ]
            if data.get("restock", True):
                state.move(level, committed=-qty, available=qty)
                emit_level(state, emit, level)
            else:
                state.move(level, committed=-qty)
        line.cancelled += qty
    order.cancelled_at = order.closed_at = utcnow()
    order.cancel_reason = str(data.get("reason", "customer")).upper()
    touch(order)
    emit_order(state, emit, order, "orders/cancelled", "orders/updated")
    return result
