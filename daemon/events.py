"""An in-process fan-out of job and log events for the control API's live stream."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectSendStream


class EventBus:
    """Publishing never blocks: a subscriber that falls behind loses events, not the daemon."""

    def __init__(self, history: int = 200):
        self._subscribers: set[MemoryObjectSendStream[dict[str, Any]]] = set()
        self.recent: deque[dict[str, Any]] = deque(maxlen=history)

    def publish(self, event_type: str, /, **data: Any) -> None:
        event = {"type": event_type, "ts": time.time(), **data}
        self.recent.append(event)
        for stream in list(self._subscribers):
            try:
                stream.send_nowait(event)
            except anyio.WouldBlock:
                pass  # slow reader: it will resync from the status endpoint
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                self._subscribers.discard(stream)

    @contextlib.asynccontextmanager
    async def subscribe(self, buffer: int = 500) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        send, receive = anyio.create_memory_object_stream[dict[str, Any]](buffer)
        self._subscribers.add(send)
        try:
            async with receive:
                yield receive
        finally:
            self._subscribers.discard(send)
            send.close()
