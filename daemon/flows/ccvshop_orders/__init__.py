"""CCV Shop orders into Exact sales invoices and their credit invoices into credit notes."""

from daemon.flows.ccvshop_orders.export import (
    CREDIT_KIND,
    EXPORT_KIND,
    credit_ccv_invoice,
    run_credit,
    run_export,
    run_product,
    sync_ccv_order,
)
from daemon.flows.ccvshop_orders.scan import (
    ScanState,
    poll_ccv_orders_once,
    run_ccv_poller,
    scan_ccv_orders,
)

__all__ = [
    "CREDIT_KIND",
    "EXPORT_KIND",
    "ScanState",
    "credit_ccv_invoice",
    "poll_ccv_orders_once",
    "run_ccv_poller",
    "run_credit",
    "run_export",
    "run_product",
    "scan_ccv_orders",
    "sync_ccv_order",
]
