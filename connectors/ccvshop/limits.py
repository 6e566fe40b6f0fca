"""CCV Shop's per-minute request limits, shared by the client (to stay under) and the sandbox.

CCV's docs give each method of each resource a limit per minute: 150 for GET, 100 for POST,
PATCH, PUT and DELETE, 30 for `GET /productqueries/` (the "Rate limit:" rows scraped from
https://demo.ccvshop.nl/API/Docs/ by jacobdekeizer/ccvshop-client, 2022; SECONDARY). On top,
the API has a total limit per minute (429.11) whose value is not published.
"""

from __future__ import annotations

import re
from collections import deque

READ_LIMIT = 150
WRITE_LIMIT = 100
SPECIAL_LIMITS = {("GET", "productqueries"): 30}
WINDOW = 60.0

_PREFIX = "/api/rest/v1/"
_ID = re.compile(r"^\d+$")


def resource_of(path: str) -> str:
    """The resource a path addresses: its last segment that is not an id.

    `/api/rest/v1/orders/12/orderrows/` → `orderrows`; `/api/rest/v1/orders/12` → `orders`.
    One resource's "get one" and "get all" share a bucket: the stricter reading of the docs.
    """
    path = path.split("?", 1)[0]
    if path.startswith(_PREFIX):
        path = path[len(_PREFIX) :]
    names = [part for part in path.split("/") if part and not _ID.match(part)]
    return names[-1] if names else ""


def limit_for(method: str, resource: str) -> int:
    method = method.upper()
    if (method, resource) in SPECIAL_LIMITS:
        return SPECIAL_LIMITS[(method, resource)]
    return READ_LIMIT if method == "GET" else WRITE_LIMIT


class MinuteWindow:
    """At most `limit` events in any `WINDOW` seconds, timestamps in seconds (any clock)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.events: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self.events and self.events[0] <= now - WINDOW:
            self.events.popleft()

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        self._expire(now)
        if len(self.events) < self.limit:
            return 0.0
        return self.events[len(self.events) - self.limit] + WINDOW - now

    def add(self, now: float) -> None:
        self._expire(now)
        self.events.append(now)

    def fill(self, now: float) -> None:
        """The server said the window is full: count it full for a whole window from now."""
        self.events = deque([now] * self.limit)

    def used(self, now: float) -> int:
        self._expire(now)
        return len(self.events)


class Budget:
    """The client's view of every bucket: per (method, resource) plus the shop-wide total."""

    def __init__(self, total_per_minute: int | None) -> None:
        self.total = MinuteWindow(total_per_minute) if total_per_minute else None
        self.buckets: dict[tuple[str, str], MinuteWindow] = {}

    def bucket(self, method: str, resource: str) -> MinuteWindow:
        key = (method.upper(), resource)
        if key not in self.buckets:
            self.buckets[key] = MinuteWindow(limit_for(*key))
        return self.buckets[key]

    def wait(self, method: str, resource: str, now: float) -> float:
        waits = [self.bucket(method, resource).wait(now)]
        if self.total:
            waits.append(self.total.wait(now))
        return max(waits)

    def spend(self, method: str, resource: str, now: float) -> None:
        self.bucket(method, resource).add(now)
        if self.total:
            self.total.add(now)
