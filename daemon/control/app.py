"""ASGI app served on the control Unix socket: status, jobs, actions and a live event stream.

JSON over HTTP, so `curl --unix-socket` and httpx both work. Never served on TCP. Every answer
passes through the log redaction, so no secret leaves by this door either.

  GET  /status                        flows, queue, throughput, schedules, budgets, alerts
  GET  /jobs?state=&kind=&q=&limit=&offset=   a page of jobs (newest first) and the total
  GET  /jobs/{id}                     one job: payload, attempts, links to Shopify and Exact
  POST /jobs/{id}/retry | /cancel     act on one job
  POST /jobs/retry | /jobs/cancel     act on every job matching {ids, state, kind, flow, key_prefix}
  POST /flows/{name}/pause {"reason"} | /flows/{name}/resume
  POST /schedules/{name}/run          run a schedule now (enqueues its job)
  GET  /alerts                        open alerts
  GET  /logs?limit=                   recent log lines
  GET  /events?replay=1               server-sent events: job state changes and log lines
  GET  /tieout[?date=YYYY-MM-DD]       the last daily tie-out, or one day's now (control/tieout.py)
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import anyio

from daemon.context import Services
from daemon.control.jobs import BadRequest, job_filter, list_jobs, show_job
from daemon.control.logs import install_log_stream
from daemon.control.status import VERSION, build_status, open_alerts
from daemon.control.tieout import tieout
from daemon.logs import redact_secrets, register_secret
from daemon.serving import lifespan_noop, send_json

__all__ = ["VERSION", "build_control_app"]

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Answer = tuple[int, Any]
HEARTBEAT_S = 15.0
MAX_BODY = 64 * 1024
_FLOW_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Configured secrets, scrubbed from the serialized answer too (however deep they hide).
_SECRETS: set[str] = set()


class Request:
    def __init__(self, scope: dict[str, Any], body: bytes, match: re.Match[str]):
        self.scope = scope
        self.query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        self.body = body
        self.params = match.groupdict()

    def json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except ValueError:
            raise BadRequest("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the request body must be a JSON object")
        return data


class ControlAPI:
    def __init__(self, services: Services):
        self.services = services
        post, get = "POST", "GET"
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Request], Awaitable[Answer]]]] = [
            (get, re.compile(r"^/status$"), self.status),
            (get, re.compile(r"^/jobs$"), self.jobs),
            (get, re.compile(r"^/jobs/(?P<id>\d+)$"), self.job),
            (post, re.compile(r"^/jobs/(?P<id>\d+)/(?P<action>retry|cancel)$"), self.act_one),
            (post, re.compile(r"^/jobs/(?P<action>retry|cancel)$"), self.act_matching),
            (post, re.compile(r"^/flows/(?P<name>[^/]+)/(?P<action>pause|resume)$"), self.flow),
            (post, re.compile(r"^/schedules/(?P<name>[^/]+)/run$"), self.run_now),
            (get, re.compile(r"^/alerts$"), self.alerts),
            (get, re.compile(r"^/logs$"), self.logs),
            (get, re.compile(r"^/tieout$"), self.tieout),
        ]

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await lifespan_noop(receive, send)
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/events" and method == "GET":
            return await self.events(scope, receive, send)
        for route_method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match is None:
                continue
            if route_method != method:
                return await _json(send, 405, {"error": f"use {route_method} for {path}"})
            try:
                body = await _read_body(receive)
                status, payload = await handler(Request(scope, body, match))
            except BadRequest as exc:
                status, payload = 400, {"error": str(exc)}
            return await _json(send, status, payload)
        await _json(send, 404, {"error": f"no such endpoint: {method} {path}"})

    # -- reading ---------------------------------------------------------------------------
    async def status(self, _req: Request) -> Answer:
        return 200, await build_status(self.services)

    async def jobs(self, req: Request) -> Answer:
        return 200, await list_jobs(self.services, req.query)

    async def job(self, req: Request) -> Answer:
        job = await show_job(self.services, int(req.params["id"]))
        if job is None:
            return 404, {"error": f"no job {req.params['id']} (pruned, or never existed)"}
        return 200, job

    async def alerts(self, _req: Request) -> Answer:
        return 200, {"alerts": await open_alerts(self.services)}

    async def logs(self, req: Request) -> Answer:
        limit = _int(req.query.get("limit", "200"), "limit")
        lines = [e for e in self.services.events.recent if e.get("type") == "log"]
        return 200, {"lines": lines[-limit:]}

    async def tieout(self, req: Request) -> Answer:
        return await tieout(self.services, req.query)

    # -- acting ----------------------------------------------------------------------------
    async def act_one(self, req: Request) -> Answer:
        job_id, action = int(req.params["id"]), req.params["action"]
        job = await self.services.queue.get(job_id)
        if job is None:
            return 404, {"error": f"no job {job_id}"}
        queue = self.services.queue
        count = await (queue.retry if action == "retry" else queue.cancel)([job_id])
        if count == 0:
            allowed = "dead, cancelled or retrying" if action == "retry" else "waiting or dead"
            return 409, {
                "error": f"job {job_id} is {job.state.value}; only {allowed} jobs can be "
                f"{'retried' if action == 'retry' else 'cancelled'}",
                "count": 0,
            }
        self._wake_worker()
        return 200, {"count": count, "job": await show_job(self.services, job_id)}

    async def act_matching(self, req: Request) -> Answer:
        body = req.json()
        ids = body.get("ids") or []
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise BadRequest("ids must be a list of job numbers")
        action = req.params["action"]
        queue = self.services.queue
        flow = body.get("flow")
        if flow:  # every kind of one flow: resolve to ids, since the queue filters by kind
            if not isinstance(flow, str) or not _FLOW_NAME.match(flow):
                raise BadRequest(f"{flow!r} is not a flow name")
            where, args = job_filter({"kind": flow, "state": body.get("state") or ""})
            rows = await self.services.db.fetchall(f"SELECT id FROM jobs WHERE {where}", args)
            ids = [r[0] for r in rows if not ids or r[0] in ids]
            if not ids:
                return 200, {"count": 0}
        try:
            count = await (queue.retry if action == "retry" else queue.cancel)(
                ids,
                state=body.get("state") or None,
                kind=body.get("kind") or None,
                key_prefix=body.get("key_prefix") or None,
            )
        except ValueError as exc:  # no filter at all, or an unknown state
            raise BadRequest(str(exc)) from None
        self._wake_worker()
        return 200, {"count": count}

    async def flow(self, req: Request) -> Answer:
        name, action = req.params["name"], req.params["action"]
        if not _FLOW_NAME.match(name):
            raise BadRequest(f"{name!r} is not a flow name (the part of a job kind before the dot)")
        if action == "pause":
            reason = str(req.json().get("reason") or "paused by operator")[:500]
            await self.services.flows.pause(name, reason)
        else:
            await self.services.flows.resume(name)
            self._wake_worker()
        self.services.events.publish("flow", name=name, action=action)
        return 200, {"flow": name, "paused": action == "pause"}

    async def run_now(self, req: Request) -> Answer:
        scheduler = self.services.extras.get("scheduler")
        if scheduler is None or not hasattr(scheduler, "run_now"):
            return 503, {"error": "no scheduler runs in this daemon"}
        try:
            job_id = await scheduler.run_now(req.params["name"])
        except KeyError as exc:  # the scheduler's UnknownSchedule names the known ones
            detail = str(exc) if len(str(exc)) > 10 else f"no schedule {req.params['name']!r}"
            return 404, {"error": detail}
        self._wake_worker()
        return 200, {"schedule": req.params["name"], "job_id": job_id}

    def _wake_worker(self) -> None:
        worker = self.services.extras.get("worker")
        if worker is not None:
            worker.wake()

    # -- live stream -----------------------------------------------------------------------
    async def events(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """Server-sent events until the client goes away (or the daemon stops)."""
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                ],
            }
        )
        bus = self.services.events
        async with bus.subscribe() as stream, anyio.create_task_group() as tg:

            async def until_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                tg.cancel_scope.cancel()

            tg.start_soon(until_disconnect)
            await send(_sse({"type": "hello", "version": VERSION}))
            if query.get("replay"):
                for event in list(bus.recent):
                    await send(_sse(event))
            while True:
                with anyio.move_on_after(HEARTBEAT_S) as timer:
                    event = await stream.receive()
                if timer.cancelled_caught:
                    await _body(send, b": keep-alive\n\n")
                else:
                    await send(_sse(event))


def build_control_app(services: Services, *, stream_logs: bool = True) -> Any:
    """The control app for `services`; with `stream_logs`, log lines join the event stream."""
    for secret in _settings_secrets(services):
        register_secret(secret)
        if len(secret) >= 6:
            _SECRETS.add(secret)
    if stream_logs:
        install_log_stream(services.events)
    return ControlAPI(services)


def _settings_secrets(services: Services) -> list[str]:
    s = services.settings
    values = [
        s.shopify.access_token if s.shopify else None,
        s.shopify.client_secret if s.shopify else None,
        s.shopify.webhook_secret if s.shopify else None,
        s.ccvshop.secret if s.ccvshop else None,
        s.exact.client_secret,
        s.exact.webhook_secret,
        s.alerts.smtp_password,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def redact(payload: Any) -> Any:
    """Secret-named keys and known secret values out of an answer (the logs' own rules)."""
    return redact_secrets(None, "", {"answer": payload})["answer"]


def _int(text: str, name: str) -> int:
    try:
        return max(1, int(text))
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None


async def _read_body(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest("request body too large")
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def dump(payload: Any) -> str:
    """JSON of an answer with every secret gone."""
    text = json.dumps(redact(payload), default=str, separators=(",", ":"))
    for secret in _SECRETS:
        text = text.replace(secret, "[redacted]")
    return text


def _sse(event: dict[str, Any]) -> dict[str, Any]:
    data = dump(event)
    kind = str(event.get("type", "message"))
    return {
        "type": "http.response.body",
        "body": f"event: {kind}\ndata: {data}\n\n".encode(),
        "more_body": True,
    }


async def _body(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _json(send: Send, status: int, payload: Any) -> None:
    await send_json(send, status, dump(payload).encode())
