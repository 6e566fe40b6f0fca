"""The REST surface `/api/v1/{division}/...`: OData lists with `__next` paging, single entities,
POST/PUT/DELETE, and `current/Me`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from . import odata
from .contract_check import Contract, Endpoint, load_contract, not_simulated
from .entities import EntitySet
from .jsonio import ApiError, dumps, loads
from .store import Row, Store

_KEYED = re.compile(r"^(?P<set>[^()]+)\((?:guid)?'?(?P<key>[^')]*)'?\)$", re.IGNORECASE)


def endpoint_of(rest: str) -> str:
    """The error-budget/call-count bucket of a path: the entity set without any key."""
    m = _KEYED.match(rest)
    return (m.group("set") if m else rest).strip("/")


class RestApi:
    def __init__(
        self,
        store: Store,
        registry: dict[str, EntitySet],
        user: dict[str, Any],
        contract: Contract | None = None,
    ):
        self.store = store
        self.registry = registry
        self.user = user
        self.contract = contract or load_contract()

    def me(self, base_url: str) -> tuple[int, Any]:
        # `current/Me` answers a one-element results list (picqer Me.php reads `CurrentDivision`).
        return 200, {
            "d": {
                "results": [
                    {
                        "__metadata": {
                            "uri": f"{base_url}/api/v1/current/Me(guid'{self.user['UserID']}')",
                            "type": "Exact.Web.Api.System.Me",
                        },
                        **self.user,
                        "CurrentDivision": self.store.division,
                    }
                ]
            }
        }

    def locate(self, rest: str) -> tuple[Endpoint, EntitySet | None, str | None]:
        """The contract's endpoint for a path, the set serving it (None: not simulated), the key."""
        m = _KEYED.match(rest)
        name, key = (m.group("set"), m.group("key")) if m else (rest, None)
        ep = self.contract.endpoint(name)
        if ep is None:
            # WCF Data Services' answer for a segment the service does not have.
            raise ApiError(404, f"Resource not found for the segment '{name.split('/')[-1]}'.")
        return ep, self.registry.get(ep.path.lower()), key

    def resolve(self, rest: str) -> tuple[EntitySet, str | None]:
        ep, es, key = self.locate(rest)
        if es is None:
            raise not_simulated(f"the endpoint '{ep.path}'")
        return es, key

    def handle(
        self, method: str, rest: str, query: dict[str, str], body: bytes, base_url: str
    ) -> tuple[int, Any, tuple[str, str, str] | None]:
        """Answer a call: (status, JSON payload or None, webhook event (topic, action, key))."""
        ep, es, key = self.locate(rest)
        # Exact's contract first: a call it refuses never reaches the simulated entities.
        self.contract.check_method(ep, method, key is not None)
        data: dict[str, Any] = {}
        if method == "GET":
            self.contract.check_query(ep, query, key is not None)
        elif method in ("POST", "PUT"):
            data = _json(body)
            self.contract.check_body(ep, method, data)
        if es is None:
            raise not_simulated(f"the endpoint '{ep.path}'")
        root = f"{base_url}/api/v1/{self.store.division}"
        if method == "GET":
            if key is None:
                return 200, self.list(es, query, root), None
            row = es.get(key)
            if row is None:
                raise ApiError(404, f"Not found: {es.path}({key})")
            select = self._select(es, query.get("$select"))
            expand = bool(es.lines and es.lines in query.get("$expand", ""))
            return 200, {"d": self.render(es, row, select, expand, root)}, None
        if method == "POST":
            if es.create is None:
                raise not_simulated(f"POST on '{es.path}'")
            row = es.create(data)
            event = (es.topic, "Create", row[es.key]) if es.topic else None
            return 201, {"d": self.render(es, row, None, True, root)}, event
        assert key is not None  # check_method: PUT and DELETE need a key
        if method == "PUT":
            if es.update is None:
                raise not_simulated(f"PUT on '{es.path}'")
            row = es.get(key)
            if row is None:
                raise ApiError(404, f"Not found: {es.path}({key})")
            es.update(row, data)
            return 204, None, (es.topic, "Update", row[es.key]) if es.topic else None
        if es.delete is None:
            raise not_simulated(f"DELETE on '{es.path}'")
        row = es.get(key)
        if row is None:
            raise ApiError(404, f"Not found: {es.path}({key})")
        es.delete(row)
        return 204, None, (es.topic, "Delete", row[es.key]) if es.topic else None

    def list(self, es: EntitySet, query: dict[str, str], root: str) -> dict[str, Any]:
        select = self._select(es, query.get("$select"))
        named = odata.filter_names(query.get("$filter") or "")
        named += [name for name, _ in odata.order_key(query.get("$orderby"), es.key)]
        for name in named:
            if name.split("/")[0] not in es.fields:  # the contract has it (checked first)
                raise not_simulated(f"querying '{name}' of '{es.path}'")
        predicate = odata.compile_filter(query.get("$filter"))
        rows = [r for r in es.rows() if predicate(r)]
        # The Sync API always pages in row-version order; others by $orderby, then the key.
        sync_order = [("Timestamp", False)]
        spec = sync_order if es.sync else odata.order_key(query.get("$orderby"), es.key)
        rows = odata.sort_rows(rows, spec)
        total = len(rows)
        token = query.get("$skiptoken")
        if token:
            rows = self._after(es, rows, token, spec)
        top = _int(query.get("$top"), "$top")
        size = es.page_size if top is None else min(es.page_size, top)
        page, more = rows[:size], len(rows) > size and (top is None or top > size)
        expand = bool(es.lines and es.lines in query.get("$expand", ""))
        d: dict[str, Any] = {"results": [self.render(es, r, select, expand, root) for r in page]}
        if query.get("$inlinecount") == "allpages":
            d["__count"] = str(total)
        if more and page:
            last = page[-1]
            params = {k: v for k, v in query.items() if k != "$skiptoken"}
            if top is not None:
                params["$top"] = str(top - size)
            params["$skiptoken"] = (
                f"{last['Timestamp']}L" if es.sync else _key_literal(last[es.key])
            )
            d["__next"] = f"{root}/{es.path}?{urlencode(params, safe=chr(36) + chr(39) + ',')}"
        return {"d": d}

    def _after(self, es: EntitySet, rows: list[Row], token: str, spec: Any) -> list[Row]:
        if es.sync:
            stamp = _int(token.rstrip("Ll"), "$skiptoken")
            return [r for r in rows if r["Timestamp"] > stamp]
        value = token[5:-1] if token.lower().startswith("guid'") else token.strip("'")
        for i, row in enumerate(rows):
            if str(row[es.key]).lower() == value.lower():
                return rows[i + 1 :]
        if spec == [(es.key, False)]:  # the row vanished: resume at the next larger key
            return [r for r in rows if str(r[es.key]).lower() > value.lower()]
        raise ApiError(400, "Invalid $skiptoken.")

    def _select(self, es: EntitySet, select: str | None) -> list[str] | None:
        if not select or select.strip() == "*":
            return None
        names = [s.strip() for s in select.split(",") if s.strip()]
        for name in names:
            if name not in es.fields:  # the contract has it (checked first); we do not
                raise not_simulated(f"the property '{name}' of '{es.path}'")
        return names

    def render(
        self, es: EntitySet, row: Row, select: list[str] | None, expand: bool, root: str
    ) -> dict[str, Any]:
        key = row[es.key]
        uri = f"{root}/{es.path}({_key_literal(key)})"
        out: dict[str, Any] = {
            "__metadata": {"uri": uri, "type": f"Exact.Web.Api.Models.{es.type_name}"}
        }
        for name in select or es.fields:
            if name == es.lines and es.lines:
                if expand:
                    out[name] = {
                        "results": [{f: ln.get(f) for f in es.line_fields} for ln in row[name]]
                    }
                else:
                    out[name] = {"__deferred": {"uri": f"{uri}/{name}"}}
            else:
                out[name] = row.get(name)
        return out


def _key_literal(key: Any) -> str:
    return str(key) if isinstance(key, int) else f"guid'{key}'"


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: '{value}'.") from None


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return data


__all__ = ["RestApi", "dumps", "endpoint_of"]
