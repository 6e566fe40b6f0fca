"""`shopsync tieout [--date D] [--json]`: one shop-local day's books, shop against Exact."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from daemon.cli.control import _call


def render_tieout(report: dict[str, Any]) -> str:
    """The day's totals side by side per currency, then each difference with its reason."""
    docs = report.get("documents", {})
    lines = [
        f"tie-out {report['date']} ({report.get('timezone', '?')}): "
        f"{docs.get('expected', 0)} documents expected, {docs.get('in_exact', 0)} in Exact"
    ]
    lines.append(f"  {'currency':<8} {'':<10} {'shop':>12} {'Exact':>12} {'difference':>12}")
    for currency, t in report.get("currencies", {}).items():
        for name in ("gross", "net", "vat"):
            shop, exact = t["shop"][name], t["exact"][name]
            diff = f"{float(shop) - float(exact):.2f}"
            lines.append(f"  {currency:<8} {name:<10} {shop:>12} {exact:>12} {diff:>12}")
        for name in ("shipping", "discounts"):
            lines.append(f"  {currency:<8} {name:<10} {t['shop'][name]:>12}")
        for rate, vat in t.get("vat_by_rate", {}).items():
            lines.append(f"  {currency:<8} VAT {rate:<6} {vat:>12}")
    for currency, t in (report.get("payouts") or {}).get("currencies", {}).items():
        line = f"{t['shop']:>12} {t['exact']:>12} {t['difference']:>12}"
        lines.append(f"  {currency:<8} {'payouts':<10} {line}")
    diffs = report.get("differences", [])
    if not diffs:
        lines.append("no differences: the day ties out to the cent")
    for d in diffs:
        lines.append(
            f"  {d['reason']:<22} {d['ref']:<16} {d['amount']:>10} {d['currency']:<4} {d['detail']}"
        )
    lines.append(
        f"unexplained: {report.get('unexplained', 0)} ({report.get('unexplained_amount', '0.00')})"
    )
    return "\n".join(lines)


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_tieout(args: argparse.Namespace) -> int:
    return _call(args, lambda c, a: c.tieout(a.date), render_tieout)


def add_tieout_commands(sub: Any) -> None:
    help = "tie out one shop-local day: the shop's orders against Exact's documents"
    p = sub.add_parser("tieout", help=help, description=help)
    p.add_argument("--date", type=_date, help="the day (default: the last daily report)")
    p.add_argument("--socket", help="the control socket (default: from the config)")
    p.add_argument("--config", "-c", help="TOML file (default: $SHOPSYNC_CONFIG)")
    p.add_argument("--instance", help="one shop of several: shopsync@NAME's socket")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_tieout)
