"""OData v2 query options as Exact applies them: `$filter` parsing and evaluation, `$orderby`.

Supported in `$filter`: eq ne gt ge lt le, and or not, parentheses, string literals with ''
escaping, guid'…', datetime'…', integers (with an optional L), decimals (optional M), true,
false, null, and the functions substringof, startswith, endswith, tolower, toupper,
trim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .jsonio import ApiError

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<guid>guid'[0-9a-fA-F-]{36}')
    | (?P<dt>datetime'[^']*')
    | (?P<str>'(?:[^']|'')*')
    | (?P<num>-?\d+(?:\.\d+)?[LlMmDd]?)
    | (?P<punct>[(),])
    | (?P<name>[A-Za-z_][A-Za-z0-9_/]*)
    )""",
    re.VERBOSE,
)
_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCS = {"substringof", "startswith", "endswith", "tolower", "toupper", "trim"}


def _bad(expr: str) -> ApiError:
    return ApiError(400, f"Syntax error in $filter: '{expr}'.")


def _tokenize(expr: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise _bad(expr)
        pos = m.end()
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "guid":
            out.append(("lit", text[5:-1].lower()))
        elif kind == "dt":
            try:
                value = datetime.fromisoformat(text[9:-1].replace("Z", "+00:00"))
            except ValueError:
                raise _bad(expr) from None
            out.append(("lit", value if value.tzinfo else value.replace(tzinfo=UTC)))
        elif kind == "str":
            out.append(("lit", text[1:-1].replace("''", "'")))
        elif kind == "num":
            body = text.rstrip("LlMmDd")
            out.append(("lit", Decimal(body) if "." in body or text[-1] in "MmDd" else int(body)))
        elif kind == "punct":
            out.append((text, text))
        else:
            low = text.lower()
            if low in ("true", "false"):
                out.append(("lit", low == "true"))
            elif low == "null":
                out.append(("lit", None))
            elif low in _COMPARE or low in ("and", "or", "not"):
                out.append((low, low))
            else:
                out.append(("name", text))
    return out


class _Parser:
    def __init__(self, expr: str):
        self.expr = expr
        self.tokens = _tokenize(expr)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self, kind: str | None = None) -> tuple[str, Any]:
        if self.i >= len(self.tokens) or (kind and self.tokens[self.i][0] != kind):
            raise _bad(self.expr)
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Predicate:
        pred = self.or_expr()
        if self.i != len(self.tokens):
            raise _bad(self.expr)
        return pred

    def or_expr(self) -> Predicate:
        left = self.and_expr()
        while self.peek() == "or":
            self.take()
            right = self.and_expr()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def and_expr(self) -> Predicate:
        left = self.unary()
        while self.peek() == "and":
            self.take()
            right = self.unary()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def unary(self) -> Predicate:
        if self.peek() == "not":
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        return self.comparison()

    def comparison(self) -> Predicate:
        left = self.value()
        op = self.peek()
        if op in _COMPARE:
            self.take()
            right = self.value()
            return lambda r: _compare(op, left(r), right(r))
        return lambda r: bool(left(r))

    def value(self) -> Callable[[Row], Any]:
        kind, text = self.take()
        if kind == "(":
            inner = self.or_expr()
            self.take(")")
            return inner
        if kind == "lit":
            return lambda r: text
        if kind == "name":
            if text.lower() in _FUNCS and self.peek() == "(":
                return self.function(text.lower())
            name = text
            return lambda r: _field(r, name, self.expr)
        raise _bad(self.expr)

    def function(self, name: str) -> Callable[[Row], Any]:
        self.take("(")
        args = [self.value()]
        while self.peek() == ",":
            self.take()
            args.append(self.value())
        self.take(")")

        def text(v: Any) -> str:
            return "" if v is None else str(v).lower()

        if name == "substringof" and len(args) == 2:
            # OData v2 argument order: substringof('needle', Field); case-insensitive like Exact.
            return lambda r: text(args[0](r)) in text(args[1](r))
        if name == "startswith" and len(args) == 2:
            return lambda r: text(args[0](r)).startswith(text(args[1](r)))
        if name == "endswith" and len(args) == 2:
            return lambda r: text(args[0](r)).endswith(text(args[1](r)))
        if name in ("tolower", "toupper", "trim") and len(args) == 1:
            f = {"tolower": str.lower, "toupper": str.upper, "trim": str.strip}[name]
            return lambda r: None if args[0](r) is None else f(str(args[0](r)))
        raise _bad(self.expr)


def _field(row: Row, name: str, expr: str) -> Any:
    # The name is a property of the entity (contract_check and api.list checked it); a row
    # that never had it set reads as null, as Exact's do.
    value = row.get(name)
    return value.lower() if isinstance(value, str) and _looks_like_guid(value) else value


_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _looks_like_guid(value: str) -> bool:
    return len(value) == 36 and bool(_GUID.match(value))


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "eq":
        return _norm(a) == _norm(b)
    if op == "ne":
        return _norm(a) != _norm(b)
    if a is None or b is None:
        return False
    a, b = _zoneless_pair(_norm(a), _norm(b))
    try:
        if op == "gt":
            return a > b
        if op == "ge":
            return a >= b
        if op == "lt":
            return a < b
        return a <= b
    except TypeError:
        raise ApiError(400, "Operator applied to incompatible types in $filter.") from None


def _zoneless_pair(a: Any, b: Any) -> tuple[Any, Any]:
    """An OData v2 datetime'…' literal has no zone, and business dates (InvoiceDate, OrderDate)
    are stored zone-less: compare their wall clocks, as Exact does, instead of refusing."""
    if (
        isinstance(a, datetime)
        and isinstance(b, datetime)
        and (a.tzinfo is None) != (b.tzinfo is None)
    ):
        a, b = (x.astimezone(UTC).replace(tzinfo=None) if x.tzinfo else x for x in (a, b))
    return a, b


def _norm(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return Decimal(v)
    return v


def filter_names(expr: str) -> list[str]:
    """The property names a `$filter` reads (function names and literals left out)."""
    tokens = _tokenize(expr)
    names = []
    for i, (kind, text) in enumerate(tokens):
        is_call = i + 1 < len(tokens) and tokens[i + 1][0] == "(" and text.lower() in _FUNCS
        if kind == "name" and not is_call and text not in names:
            names.append(text)
    return names


def compile_filter(expr: str | None) -> Predicate:
    if not expr or not expr.strip():
        return lambda r: True
    return _Parser(expr).parse()


def order_key(orderby: str | None, key: str) -> list[tuple[str, bool]]:
    """`$orderby=A desc, B` as [(field, descending)], always ending on the key for stable pages."""
    spec: list[tuple[str, bool]] = []
    for part in (orderby or "").split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise ApiError(400, f"Syntax error in $orderby: '{orderby}'.")
        spec.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if key not in [f for f, _ in spec]:
        spec.append((key, False))
    return spec


def sort_rows(rows: list[Row], spec: list[tuple[str, bool]]) -> list[Row]:
    for name, desc in reversed(spec):
        # None sorts first ascending, as SQL Server (Exact's store) does.
        rows.sort(key=lambda r, n=name: (r.get(n) is not None, _sortable(r.get(n))), reverse=desc)
    return rows


def _sortable(v: Any) -> Any:
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str):
        return v.lower()
    return v
