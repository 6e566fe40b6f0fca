"""Shopify search syntax (`sku:A OR sku:B`, `updated_at:>'2026-01-01'`) applied to records.

Supported, as documented at shopify.dev/docs/api/usage/search-syntax: `field:value` terms with
`<`, `<=`, `>`, `>=`, quoted values, a trailing `*` prefix match, `-` or NOT to negate, implicit
or explicit AND, OR, and parentheses. Free text and unknown fields match everything, as Shopify
ignores filters it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

T = TypeVar("T")

_TOKEN = re.compile(
    r"""\s*(?:(?P<paren>[()])|(?P<term>(-?)(\w+):(<=|>=|<|>)?('[^']*'|"[^"]*"|[^\s()]+))"""
    r"""|(?P<word>[^\s()]+))"""
)


@dataclass(frozen=True)
class Term:
    field: str
    op: str  # "=", "<", "<=", ">", ">="
    value: str
    negated: bool = False


Node = Any  # Term | ("and", [Node]) | ("or", [Node]) | ("not", Node) | None


def _tokens(query: str) -> list[Any]:
    out: list[Any] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        if m["paren"]:
            out.append(m["paren"])
        elif m["term"]:
            neg, name, op, raw = m.group(3), m.group(4), m.group(5), m.group(6)
            value = raw[1:-1] if raw[:1] in "'\"" else raw
            out.append(Term(name.lower(), op or "=", value, negated=bool(neg)))
        elif m["word"] in ("OR", "AND", "NOT"):
            out.append(m["word"])
        # free-text words are ignored
    return out


def parse_search(query: str | None) -> Node:
    """A small tree of terms; None when the query filters nothing."""
    if not query:
        return None
    tokens = _tokens(query)
    pos = 0

    def parse_or() -> Node:
        nonlocal pos
        parts = [parse_and()]
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            parts.append(parse_and())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def parse_and() -> Node:
        nonlocal pos
        parts = []
        while pos < len(tokens) and tokens[pos] not in ("OR", ")"):
            if tokens[pos] == "AND":
                pos += 1
                continue
            parts.append(parse_unary())
        return ("and", [p for p in parts if p is not None])

    def parse_unary() -> Node:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "NOT":
            return ("not", parse_unary()) if pos < len(tokens) else None
        if tok == "(":
            inner = parse_or()
            if pos < len(tokens) and tokens[pos] == ")":
                pos += 1
            return inner
        return tok if isinstance(tok, Term) else None

    return parse_or()


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


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


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
    return _OPS[term.op](actual, wanted)


def _eval(node: Node, rec: Any, fields: dict[str, Callable[[Any], Any]]) -> bool:
    if node is None:
        return True
    if isinstance(node, Term):
        if node.field not in fields:
            return True
        return _matches(fields[node.field](rec), node) != node.negated
    kind, arg = node
    if kind == "not":
        return not _eval(arg, rec, fields)
    if kind == "or":
        return any(_eval(n, rec, fields) for n in arg)
    return all(_eval(n, rec, fields) for n in arg)


def filter_records(
    records: Iterable[T], query: str | None, fields: dict[str, Callable[[T], Any]]
) -> list[T]:
    """Keep the records the query selects."""
    tree = parse_search(query)
    return [rec for rec in records if _eval(tree, rec, fields)]
