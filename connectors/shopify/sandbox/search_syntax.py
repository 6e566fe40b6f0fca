"""Shopify search syntax (`sku:A updated_at:>'2026-01-01'`) parsed and applied to records."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

T = TypeVar("T")

# A term is `field:value`, `field:>value`, `field:>=value`, ... ; values may be quoted.
_TERM = re.compile(r"""(-?)(\w+):(<=|>=|<|>)?('[^']*'|"[^"]*"|\S+)""")


@dataclass(frozen=True)
class Term:
    field: str
    op: str  # "=", "<", "<=", ">", ">="
    value: str
    negated: bool = False


# ` OR ` outside quotes separates alternatives (https://shopify.dev/docs/api/usage/search-syntax).
_OR = re.compile(r"""\s+OR\s+(?=(?:[^'"]|'[^']*'|"[^"]*")*$)""")


def parse_groups(query: str | None) -> list[list[Term]]:
    """Alternatives joined by OR, each a list of terms joined by AND (explicit or implied)."""
    if not query:
        return []
    return [parse_search(part) for part in _OR.split(query)]


def parse_search(query: str | None) -> list[Term]:
    """Terms joined by AND (explicit or implied); free text is ignored, as unsupported."""
    if not query:
        return []
    terms = []
    for neg, name, op, raw in _TERM.findall(query):
        value = raw[1:-1] if raw[:1] in "'\"" else raw
        terms.append(Term(name.lower(), op or "=", value, negated=bool(neg)))
    return terms


def _coerce(actual: Any, text: str) -> Any:
    if isinstance(actual, datetime):
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=actual.tzinfo)
        return parsed
    if isinstance(actual, bool):
        return text.lower() == "true"
    if isinstance(actual, int):
        return int(text.rsplit("/", 1)[-1])
    if isinstance(actual, Decimal):
        return Decimal(text)
    return text


def _matches(actual: Any, term: Term) -> bool:
    if actual is None:
        return False
    if isinstance(actual, (list, tuple, set)):
        return any(_matches(a, term) for a in actual)
    try:
        wanted = _coerce(actual, term.value)
    except (ValueError, InvalidOperation):
        return False
    if isinstance(actual, str):
        actual, wanted = actual.lower(), str(wanted).lower()
        if term.op == "=" and wanted.endswith("*"):
            return actual.startswith(wanted[:-1])
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return ops[term.op](actual, wanted)


def filter_records(
    records: Iterable[T], query: str | None, fields: dict[str, Callable[[T], Any]]
) -> list[T]:
    """Keep records matching every known term; unknown fields are ignored, as Shopify does."""
    groups = [[t for t in group if t.field in fields] for group in parse_groups(query)]
    if not groups:
        return list(records)
    out = []
    for rec in records:
        if any(all(_matches(fields[t.field](rec), t) != t.negated for t in g) for g in groups):
            out.append(rec)
    return out
