"""Reads a stored webhook body into a JSON object, or says in plain words why it cannot.

Every refusal is a `PermanentError` whose message an operator understands ("body is not JSON",
"nested deeper than 64 levels", "order id is not a number"): the routing job goes dead on its
first attempt and the receipt stays for `shopsync webhooks replay`. Nothing here recurses over
the body, so a hostile one cannot reach the worker's "bug → retry" path as a RecursionError.
"""

from __future__ import annotations

import json
import re
from typing import Any

from connectors.errors import PermanentError

MAX_DEPTH = 64  # Shopify's deepest payloads (orders) nest about 6 levels
MAX_BYTES = 1_048_576  # the ingress default ([ingress] max_body_bytes) when no setting is given
HINT = "The receipt is kept: fix the sender, then `shopsync webhooks replay RECEIPT_ID`."

# A JSON string literal (the unrolled form never backtracks badly) and the brackets outside it.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside string literals, found without recursion."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_body(raw: bytes | str, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """The body as a JSON object, or a PermanentError saying in a few words what is wrong."""
    size = len(raw)
    if size > max_bytes:
        raise PermanentError(f"body is {size:,} bytes, over the {max_bytes:,} limit", hint=HINT)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            # json.loads would guess UTF-16/32 and fail with a codec's words; say it plainly.
            raise PermanentError(
                f"body is not UTF-8 text (bad byte at offset {exc.start})", hint=HINT
            ) from None
    else:
        text = raw
    if "\x00" in text:  # never in JSON text; UTF-16 of ASCII decodes as UTF-8 with NULs
        raise PermanentError("body is not UTF-8 text (it holds NUL bytes: UTF-16?)", hint=HINT)
    if not text.strip():
        raise PermanentError("body is empty", hint=HINT)
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise PermanentError(f"body is nested deeper than {MAX_DEPTH} levels ({depth})", hint=HINT)
    try:
        body = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise PermanentError(f"body is not JSON ({detail})", hint=HINT) from None
    except RecursionError:  # cannot happen under MAX_DEPTH; never let it look like a bug
        raise PermanentError(f"body is nested deeper than {MAX_DEPTH} levels", hint=HINT) from None
    if not isinstance(body, dict):
        raise PermanentError(
            f"body is a JSON {_json_type(body)}, not an object", hint="Ignore; report if repeated."
        )
    return body


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


_GID = re.compile(r"gid://shopify/(\w+)/([1-9][0-9]{0,19})")


def shopify_gid(body: dict[str, Any], type_name: str, *, what: str, field: str = "id") -> str:
    """The object's GraphQL id from `admin_graphql_api_id` or a numeric `field`; else say why.

    `what` names it for the operator ("order", "refund"): "order id is not a number".
    """
    gid = body.get("admin_graphql_api_id") if field == "id" else None
    if gid is not None:
        match = _GID.fullmatch(gid) if isinstance(gid, str) else None
        if match is None or match.group(1) != type_name:
            raise PermanentError(
                f"{what} admin_graphql_api_id is not a Shopify {type_name} id", hint=HINT
            )
        return gid
    return f"gid://shopify/{type_name}/{numeric_id(body, field, what=f'{what} id')}"


def numeric_id(body: dict[str, Any], field: str, *, what: str) -> int:
    """A positive whole number from `body[field]` (a JSON number or digits), else say why.

    `what` names it for the operator: "order id" → "order id is not a number (…)".
    """
    if field not in body or body[field] is None:
        raise PermanentError(f"{what} is missing ({field})", hint=HINT)
    value = body[field]
    if isinstance(value, bool):
        raise PermanentError(f"{what} is not a number ({field} is a boolean)", hint=HINT)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        value = int(value)
    if isinstance(value, float):
        raise PermanentError(f"{what} is not a whole number ({field} = {value})", hint=HINT)
    if not isinstance(value, int):
        raise PermanentError(
            f"{what} is not a number ({field} is a JSON {_json_type(value)})", hint=HINT
        )
    if not 0 < value < 2**63:
        raise PermanentError(f"{what} is out of range ({field} = {value})", hint=HINT)
    return value
