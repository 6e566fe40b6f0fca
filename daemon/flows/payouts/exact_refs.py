"""Exact lookups the ledger flows share: GL account ids by code, cached for the process."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import eq, or_

CACHE = "gl_account_ids"


async def gl_account_ids(services: Any, codes: Iterable[str]) -> dict[str, str]:
    """GL account code → Exact GUID for `codes` (one call for the ones not cached yet)."""
    cache: dict[str, str] = services.extras.setdefault(CACHE, {})
    missing = sorted({c for c in codes if c not in cache})
    if missing:
        rows = await services.exact.get(
            "financial/GLAccounts",
            filter=or_(*(eq("Code", c) for c in missing)),
            select=["ID", "Code"],
        )
        for row in rows:
            cache[str(row["Code"]).strip()] = row["ID"]
        unknown = [c for c in missing if c not in cache]
        if unknown:
            raise PermanentError(
                f"Exact has no GL account {', '.join(unknown)}",
                hint="Create the account in Exact or correct the account codes in the config "
                "([payouts] / [gift_cards]), then retry the job.",
            )
    return {c: cache[c] for c in codes}
