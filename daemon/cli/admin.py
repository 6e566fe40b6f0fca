"""Operator commands that talk to the APIs or the database directly: auth, webhooks."""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

import anyio

from daemon.config import load_settings


def cmd_auth_exact(args: argparse.Namespace) -> int:
    """Authorization-code flow for an operator on a VPS: open the URL, paste or redirect back."""
    from connectors.exact.oauth import OAuthApp, TokenManager, authorize_url
    from state.db import Database
    from state.tokens import SqliteTokenStore

    settings = load_settings(args.config)
    app = OAuthApp(
        base_url=settings.exact.url,
        client_id=settings.exact.client_id,
        client_secret=settings.exact.client_secret.get_secret_value(),
        redirect_uri=settings.exact.redirect_uri,
    )
    state = secrets.token_urlsafe(16)

    async def main() -> int:
        code = args.code
        if code is None:
            print("Open this URL in a browser and grant access to shopsync:\n")
            print(f"  {authorize_url(app, state)}\n")
            code = await _wait_for_code(settings.exact.redirect_uri, state)
        db = await Database.open(settings.daemon.database_path)
        try:
            async with TokenManager(app, SqliteTokenStore(db)) as manager:
                tokens = await manager.exchange_code(code)
            paused = await _resume_auth_paused(db)
        finally:
            await db.close()
        print(
            "Exact Online connected; access token valid until"
            f" {tokens.expires_at:%Y-%m-%d %H:%M} UTC."
        )
        if paused:
            print(f"Resumed flows paused for authorization: {', '.join(paused)}")
        return 0

    return anyio.run(main)


async def _wait_for_code(redirect_uri: str, state: str) -> str:
    """The code from Exact's redirect to our loopback port, or pasted by the operator."""
    found: list[str] = []
    arrived = anyio.Event()
    parsed = urlparse(redirect_uri)
    print(f"Waiting for the redirect on {parsed.hostname}:{parsed.port}, or paste the URL you")
    print("were sent to (or just its code) here and press Enter:")

    async def from_redirect(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        query = parse_qs(scope.get("query_string", b"").decode())
        ok = query.get("state", [""])[0] == state and "code" in query
        if ok:
            found.append(query["code"][0])
            arrived.set()
        text = b"shopsync: authorized, you can close this tab." if ok else b"missing code/state"
        await send(
            {
                "type": "http.response.start",
                "status": 200 if ok else 400,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": text})

    def from_paste() -> str:
        line = sys.stdin.readline().strip()
        if "code=" in line:
            return parse_qs(urlparse(line).query or line).get("code", [""])[0]
        return line

    from daemon.serving import make_server, wait_started

    server = make_server(
        from_redirect, host=parsed.hostname or "127.0.0.1", port=parsed.port or 8765, lifespan="off"
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        await wait_started(server)

        async def paste() -> None:
            code = await anyio.to_thread.run_sync(from_paste, abandon_on_cancel=True)
            if code:
                found.append(code)
                arrived.set()

        tg.start_soon(paste)
        await arrived.wait()
        server.should_exit = True
        tg.cancel_scope.cancel()
    return found[0]


async def _resume_auth_paused(db: Any) -> list[str]:
    from state.store import Flows

    flows = Flows(db)
    resumed = []
    for name, reason in (await flows.paused()).items():
        if "auth" in reason.lower() or "authori" in reason.lower():
            await flows.resume(name)
            resumed.append(name)
    return resumed


def cmd_webhooks_sync(args: argparse.Namespace) -> int:
    from daemon.clients import build_clients
    from daemon.config_check import exact_webhook_warnings
    from daemon.context import Services
    from daemon.flows import shopify_topics
    from daemon.flows.subscriptions import REFUSED_EXTRA, keep_exact, sync_shopify
    from state.db import Database
    from state.queue import Queue

    settings = load_settings(args.config)
    if not settings.ingress.public_url:
        print(
            "shopsync: set ingress.public_url (the https URL Shopify calls) first", file=sys.stderr
        )
        return 2

    async def main() -> int:
        db = await Database.open(settings.daemon.database_path)
        clients = build_clients(settings, db)
        services = Services(settings=settings, db=db, queue=Queue(db))
        services.shopify, services.exact = clients.shopify, clients.exact
        try:
            if services.shopify is not None:  # a CCV shop's scan needs no subscription
                changes = await sync_shopify(services, shopify_topics())
                print(
                    "shopify:",
                    ", ".join(f"{k} {v}" for k, v in changes.items() if v) or "up to date",
                )
            if settings.exact.webhook_secret is not None:
                created = await keep_exact(services, force=True)
                if created is None:
                    print(f"exact: {services.extras[REFUSED_EXTRA]}", file=sys.stderr)
                    for line in exact_webhook_warnings(settings):
                        print(f"  {line}", file=sys.stderr)
                    return 1
                print("exact:", f"created {created}" if created else "up to date")
            return 0
        finally:
            await clients.aclose()
            await db.close()

    return anyio.run(main)


def cmd_webhooks_replay(args: argparse.Namespace) -> int:
    """Run a stored webhook again through its flow (the receipt keeps the raw body)."""
    from state.db import Database
    from state.queue import Queue

    settings = load_settings(args.config)

    async def main() -> int | None:
        db = await Database.open(settings.daemon.database_path)
        try:
            row = await db.fetchone("SELECT source FROM receipts WHERE id = ?", (args.id,))
            if row is None:
                return None
            return await Queue(db).enqueue(
                f"webhook.{row[0]}",
                f"receipt:{args.id}:replay",
                {"receipt_id": args.id, "replay": True},
            )
        finally:
            await db.close()

    job = anyio.run(main)
    if job is None:
        print(
            f"shopsync: no webhook receipt {args.id} (pruned, or never received)", file=sys.stderr
        )
        return 1
    print(f"receipt {args.id} queued again as job {job}")
    return 0


def add_admin_commands(sub: Any, add: Any) -> None:
    auth = sub.add_parser("auth", help="connect an API account").add_subparsers(
        dest="auth_command", required=True, metavar="API"
    )
    exact = add("exact", cmd_auth_exact, "authorize shopsync in Exact Online (OAuth2)", parent=auth)
    exact.add_argument("--code", help="an authorization code you already have")
    from daemon.cli.auth_shopify import add_command as add_auth_shopify

    add_auth_shopify(auth, add)

    hooks = sub.add_parser("webhooks", help="webhook tools").add_subparsers(
        dest="webhooks_command", required=True, metavar="ACTION"
    )
    add(
        "sync",
        cmd_webhooks_sync,
        "point Shopify's and Exact's webhooks at ingress.public_url",
        parent=hooks,
    )
    replay = add("replay", cmd_webhooks_replay, "process a stored webhook again", parent=hooks)
    replay.add_argument("id", type=int, help="the receipt id (shopsync jobs show / the database)")
