"""GraphQL views of refunds and returns."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox.records import RefundRec, ReturnRec
from connectors.shopify.sandbox.state import gid, iso
from connectors.shopify.sandbox.views_catalog import LocationView
from connectors.shopify.sandbox.views_common import View, bag, order_cur, page
from connectors.shopify.sandbox.views_orders import (
    LineItemView,
    OrderView,
    ShippingLineView,
    TransactionView,
    find_line,
    fulfillment_line,
)


class RefundView(View):
    typename = "Refund"
    rec: RefundRec

    @property
    def cur(self) -> str:
        return order_cur(self.s, self.s.orders.get(self.rec.order_id))

    id = property(lambda self: gid("Refund", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    note = property(lambda self: self.rec.note)
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.created_at))
    order = property(lambda self: OrderView(self.s, self.s.orders[self.rec.order_id]))
    totalRefundedSet = property(lambda self: bag(om.refund_amount(self.s, self.rec), self.cur))

    @property
    def _return(self) -> Any:
        r = self.s.returns.get(self.rec.return_id) if self.rec.return_id else None
        return ReturnView(self.s, r) if r else None

    def refundLineItems(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = []
        for rl in self.rec.lines:
            order, line = find_line(self.s, rl.line_id)
            loc = self.s.locations.get(rl.location_id) if rl.location_id else None
            views.append(
                {
                    "id": gid("RefundLineItem", rl.id),
                    "key": rl.id,
                    "lineItem": LineItemView(self.s, line, order),
                    "quantity": rl.quantity,
                    "restockType": rl.restock_type,
                    "restocked": rl.restock_type in ("RETURN", "CANCEL"),
                    "location": LocationView(self.s, loc) if loc else None,
                    "priceSet": bag(line.unit_price, self.cur),
                    "subtotalSet": bag(rl.subtotal, self.cur),
                    "totalTaxSet": bag(rl.tax, self.cur),
                }
            )
        return page(info, views, args, key=lambda v: v["key"])

    def refundShippingLines(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        order = self.s.orders[self.rec.order_id]
        views = []
        if self.rec.shipping and order.shipping_lines:
            sl = order.shipping_lines[0]
            views.append(
                {
                    "id": gid("RefundShippingLine", self.rec.id),
                    "key": self.rec.id,
                    "shippingLine": ShippingLineView(
                        self.s, sl, self.s.orders.get(self.rec.order_id)
                    ),
                    "subtotalAmountSet": bag(self.rec.shipping - self.rec.shipping_tax, self.cur),
                    "taxAmountSet": bag(self.rec.shipping_tax, self.cur),
                }
            )
        return page(info, views, args, key=lambda v: v["key"])

    def orderAdjustments(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        # Refunded shipping is reported only in refundShippingLines; an order adjustment carries
        # an OrderAdjustmentDiscrepancyReason, none of which is shipping (real schema 2026-01).
        views = []
        if self.rec.discrepancy:
            views.append(
                {
                    "id": gid("OrderAdjustment", self.rec.id * 10 + 2),
                    "key": 2,
                    "reason": "REFUND_DISCREPANCY",
                    "amountSet": bag(self.rec.discrepancy, self.cur),
                    "taxAmountSet": bag(0, self.cur),
                }
            )
        return page(info, views, args, key=lambda v: v["key"])

    def transactions(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = [TransactionView(self.s, self.s.transactions[t]) for t in self.rec.transaction_ids]
        return page(info, views, args, key=lambda v: v.rec.id)


# `return` is a Python keyword, so graphql-core's default resolver looks the field up by name.
setattr(RefundView, "return", RefundView._return)


class ReturnView(View):
    typename = "Return"
    rec: ReturnRec

    id = property(lambda self: gid("Return", self.rec.id))
    name = property(lambda self: self.rec.name)
    status = property(lambda self: self.rec.status)
    createdAt = property(lambda self: iso(self.rec.created_at))
    closedAt = property(lambda self: iso(self.rec.closed_at))
    totalQuantity = property(lambda self: sum(x["quantity"] for x in self.rec.lines))
    order = property(lambda self: OrderView(self.s, self.s.orders[self.rec.order_id]))

    def returnLineItems(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = [ReturnLineView(self.s, x) for x in self.rec.lines]
        return page(info, views, args, key=lambda v: v.rec["id"])

    def refunds(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        return page(
            info,
            [RefundView(self.s, self.s.refunds[r]) for r in self.rec.refund_ids],
            args,
            key=lambda v: v.rec.id,
        )


class ReturnLineView(View):
    typename = "ReturnLineItem"
    rec: dict[str, Any]

    id = property(lambda self: gid("ReturnLineItem", self.rec["id"]))
    quantity = property(lambda self: self.rec["quantity"])
    refundedQuantity = property(lambda self: self.rec.get("refunded", 0))
    refundableQuantity = property(lambda self: self.rec["quantity"] - self.rec.get("refunded", 0))
    returnReason = property(lambda self: self.rec["reason"])
    returnReasonNote = property(lambda self: self.rec.get("note") or "")
    customerNote = property(lambda self: self.rec.get("note"))

    @property
    def fulfillmentLineItem(self) -> dict[str, Any]:
        line = find_line(self.s, self.rec["line_id"])[1]
        return fulfillment_line(
            self.s, (self.rec["fulfillment_line_id"], line.id, self.rec["quantity"])
        )
