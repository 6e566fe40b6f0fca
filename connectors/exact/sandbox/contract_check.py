"""Exact's published contract (contract/exact-contract.json) and the checks every call must pass.

The contract comes from independent sources (picqer/exact-php-client and the Elmas client, see
contract/PROVENANCE.md), never from what shopsync sends. A call it does not allow is refused with
Exact's error body before any entity code runs, so the sandbox is never kinder than Exact:
unknown endpoint or method, a body or inline-line property the entity lacks, a missing mandatory
field on POST, `$filter`/`$select`/`$orderby` naming a property the entity lacks, a sync filter on
anything but Timestamp, `$select=*` where refused, a missing `$select` where required.

What the contract allows but the sandbox does not model answers 501 "not simulated": a gap in
the simulator, never a pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from . import odata
from .jsonio import ApiError, not_simulated

CONTRACT_FILE = "exact-contract.json"
# OData v2 system query options (WCF Data Services, which Exact's REST API runs on).
QUERY_OPTIONS = frozenset(
    {"$filter", "$select", "$orderby", "$top", "$skip", "$skiptoken", "$inlinecount", "$expand"}
    | {"$format"}
)
__all__ = ["Contract", "Endpoint", "load_contract", "not_simulated"]


@dataclass(frozen=True)
class Endpoint:
    """One entry of the contract: what Exact accepts on `path`."""

    path: str
    key: str
    methods: frozenset[str]
    fields: frozenset[str]
    mandatory: tuple[str, ...] = ()
    mandatory_inline: tuple[str, ...] | None = None
    one_of: tuple[tuple[str, ...], ...] = ()
    inline: dict[str, str] = field(default_factory=dict)
    select_required: bool = False
    select_star_refused: bool = False
    filter_only: frozenset[str] | None = None
    post_standalone: bool = True
    type_name: str = ""

    @property
    def line_mandatory(self) -> tuple[str, ...]:
        """Mandatory fields of a line posted inside its header (the parent key comes from it)."""
        return self.mandatory if self.mandatory_inline is None else self.mandatory_inline


def _type_name(raw: dict[str, Any], path: str) -> str:
    # picqer names its class after Exact's model type: .../Exact/GoodsDeliveryLine.php.
    m = re.search(r"/(\w+)\.php\b", raw.get("source", ""))
    return m.group(1) if m else path.rsplit("/", 1)[-1]


def _endpoint(path: str, raw: dict[str, Any]) -> Endpoint:
    query = raw.get("query") or {}
    only = query.get("filter_only")
    return Endpoint(
        path=path,
        key=raw["key"],
        methods=frozenset(raw["methods"]),
        fields=frozenset(raw["fields"]),
        mandatory=tuple(raw.get("mandatory") or ()),
        mandatory_inline=(
            tuple(raw["mandatory_inline"]) if raw.get("mandatory_inline") is not None else None
        ),
        one_of=tuple(tuple(group) for group in raw.get("one_of") or ()),
        inline=dict(raw.get("inline") or {}),
        select_required=bool(query.get("select_required")),
        select_star_refused=bool(query.get("select_star_refused")),
        filter_only=frozenset(only) if only else None,
        post_standalone=raw.get("post_standalone", True),
        type_name=_type_name(raw, path),
    )


class Contract:
    """The endpoints Exact has, looked up case-insensitively as Exact's URLs are."""

    def __init__(self, raw: dict[str, dict[str, Any]]):
        self._by_lower = {path.lower(): _endpoint(path, entry) for path, entry in raw.items()}

    def __len__(self) -> int:
        return len(self._by_lower)

    def endpoint(self, path: str) -> Endpoint | None:
        return self._by_lower.get(path.strip("/").lower())

    def require(self, path: str) -> Endpoint:
        ep = self.endpoint(path)
        if ep is None:
            raise KeyError(f"{path} is not in the Exact contract")
        return ep

    # -- the checks ---------------------------------------------------------------------------
    def check_method(self, ep: Endpoint, method: str, keyed: bool) -> None:
        """The HTTP method must be one Exact allows on the endpoint, with or without a key."""
        if method not in ep.methods:
            # Exact's wording for this is not published; the status counts like any 400.
            raise ApiError(400, f"The HTTP method '{method}' is not allowed on '{ep.path}'.")
        if method == "POST" and not ep.post_standalone:
            raise ApiError(
                400, f"'{ep.path}' can not be posted on its own; post it inside its document."
            )
        if (method == "POST" and keyed) or (method in ("PUT", "DELETE") and not keyed):
            raise ApiError(400, f"The HTTP method '{method}' is not allowed on this URI.")

    def check_body(self, ep: Endpoint, method: str, body: dict[str, Any]) -> None:
        """Every property must exist on the entity (lines too); a POST carries the mandatory."""
        _known_only(ep, body)
        creating = method == "POST"
        if creating:
            _mandatory(ep, body, ep.mandatory)
        for name, target in ep.inline.items():
            if name not in body:
                continue
            line_ep = self.endpoint(target)
            for line in _lines(body[name], name):
                if line_ep is None:
                    continue  # the contract names the collection but not its entity
                _known_only(line_ep, line)
                if creating:
                    _mandatory(line_ep, line, line_ep.line_mandatory)

    def check_query(self, ep: Endpoint, query: dict[str, str], keyed: bool) -> None:
        """`$select`, `$filter`, `$orderby` and `$expand` may only name the entity's properties."""
        for option in query:
            if option.startswith("$") and option not in QUERY_OPTIONS:
                raise ApiError(
                    400,
                    f"The query parameter '{option}' begins with a system-reserved '$' character"
                    " but is not recognized.",
                )
        for name in (query.get("$expand") or "").split(","):
            if name.strip():
                _property(ep, name.strip().split("/")[0], "$expand")
        select = query.get("$select")
        if select is not None and select.strip() == "*":
            if ep.select_star_refused:
                raise ApiError(400, f"$select=* is not supported on '{ep.path}'; name the fields.")
        elif select:
            for name in (s.strip() for s in select.split(",")):
                _property(ep, name.split("/")[0], "$select")
        elif ep.select_required and not keyed:
            raise ApiError(400, "$select is mandatory for this endpoint.")
        expr = query.get("$filter")
        if expr and expr.strip():
            for name in odata.filter_names(expr):
                _property(ep, name.split("/")[0], "$filter")
                if ep.filter_only is not None and name not in ep.filter_only:
                    allowed = ", ".join(sorted(ep.filter_only))
                    raise ApiError(
                        400, f"Only {allowed} may be used in $filter on '{ep.path}', not '{name}'."
                    )
        for name, _desc in odata.order_key(query.get("$orderby"), ep.key):
            if name != ep.key:  # the key is always a valid sort (a few read/ keys are not fields)
                _property(ep, name, "$orderby")


def _property(ep: Endpoint, name: str, option: str) -> None:
    if name not in ep.fields:
        raise ApiError(
            400,
            f"No property '{name}' exists in type 'Exact.Web.Api.Models.{ep.type_name}'"
            f" ({option}).",
        )


def _known_only(ep: Endpoint, body: Any) -> None:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    for name in body:
        if name != "__metadata" and name not in ep.fields:
            # WCF Data Services' wording for a property the type does not have.
            raise ApiError(
                400,
                f"The property '{name}' does not exist on type "
                f"'Exact.Web.Api.Models.{ep.type_name}'. Make sure to only use property names "
                "that are defined by the type.",
            )


def _lines(value: Any, name: str) -> list[Any]:
    if isinstance(value, dict):  # OData v2 also accepts {"results": [...]}
        value = value.get("results")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, f"'{name}' must be a collection.")
    return value


def _missing(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        value = value.get("results")
    if isinstance(value, list):
        return not value
    return value is None


def _mandatory(ep: Endpoint, body: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if _missing(body, name):
            raise ApiError(400, f"Mandatory: {name}")
    for group in ep.one_of:
        if all(_missing(body, name) for name in group):
            raise ApiError(400, f"Mandatory: {' or '.join(group)}")


@cache
def load_contract() -> Contract:
    """The vendored contract, parsed once per process."""
    text = resources.files(__package__).joinpath("contract", CONTRACT_FILE).read_text("utf-8")
    return Contract(json.loads(text))
