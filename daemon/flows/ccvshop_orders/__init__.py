"""CCV Shop orders into Exact sales invoices: find them (`scan`), book them (`export`)."""

from daemon.flows.ccvshop_orders.export import EXPORT_KIND, run_export, sync_ccv_order
from daemon.flows.ccvshop_orders.scan import ScanState, poll_ccv_orders_once, scan_ccv_orders

__all__ = [
    "EXPORT_KIND",
    "ScanState",
    "poll_ccv_orders_once",
    "run_export",
    "scan_ccv_orders",
    "sync_ccv_order",
]
