"""ASGI app served on the control Unix socket: status and jobs for the console and CLI.

Minimal for now; the operator-surface issue extends it. Never served on TCP; answers never
carry secrets.
"""

from __future__ import annotations

import json
import time
from typing import Any

from daemon.context import Services

VERSION = "0.1.0"


def build_control_app(services: Services) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/status" and scope["method"] == "GET":
            counts = await services.queue.counts()
            payload = {
                "version": VERSION,
                "uptime_s": round(time.time() - services.started_at, 1),
                "queue": counts,
                "paused": await services.flows.paused(),
            }
            await _json(send, 200, payload)
        else:
            await _json(send, 404, {"error": "not found"})

    return app


async def _json(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload, default=str).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
