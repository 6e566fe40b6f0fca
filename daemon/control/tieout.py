"""Control routes of the daily tie-out: the last report, or one day's run on demand.

GET /tieout                 the last daily report (404 before the first run)
GET /tieout?date=YYYY-MM-DD run the tie-out for that shop-local day now (reads Shopify and Exact)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from connectors.errors import ConnectorError
from daemon.context import Services
from daemon.control.jobs import BadRequest

Answer = tuple[int, Any]


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"date must be YYYY-MM-DD, not {text!r}") from None


async def tieout(services: Services, query: dict[str, str]) -> Answer:
    from daemon.tieout.job import last_report, tie_out_day

    if not query.get("date"):
        report = await last_report(services)
        if report is None:
            return 404, {"error": "no tie-out has run yet; ask for a day with ?date=YYYY-MM-DD"}
        return 200, report
    day = _day(query["date"])
    if services.shopify is None:
        return 409, {"error": "the tie-out reads Shopify's orders; this daemon serves no Shopify"}
    try:
        return 200, await tie_out_day(services, day)
    except ConnectorError as exc:  # Shopify or Exact could not be read: say which and why
        return 502, {"error": f"{exc.api or 'an API'}: {exc.message}", "hint": exc.hint}
