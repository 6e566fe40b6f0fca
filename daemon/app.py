"""The supervisor: one anyio task group holding every service; signals; sd_notify."""

from __future__ import annotations

import secrets
import signal
import time
from typing import Any

import anyio

from daemon.clients import build_clients
from daemon.config import Settings, shopify_webhook_key
from daemon.context import Services
from daemon.control.app import build_control_app
from daemon.flows import background_tasks, build_registry, ingress_topics
from daemon.flows.webhooks import MERGES
from daemon.ingress import Ingress
from daemon.logs import get_logger, register_secret
from daemon.notify import Notifier
from daemon.serving import make_server, unix_listener, wait_started
from daemon.worker import Registry, Worker
from state.db import Database
from state.queue import Backoff, Queue

log = get_logger("shopsync.daemon")

SWEEP_INTERVAL = 60.0
PRUNE_INTERVAL = 3600.0


class Daemon:
    """Owns the lifetime of everything; `run()` returns when a signal asks it to stop."""

    def __init__(self, settings: Settings, *, registry: Registry | None = None):
        self.settings = settings
        self.registry = registry or build_registry()
        self.notifier = Notifier.from_env()
        self.stop = anyio.Event()
        self.ready = anyio.Event()  # set once every service is up (what READY=1 tells systemd)
        self.services: Services | None = None
        self.worker: Worker | None = None
        self.ingress_port: int | None = None
        shopify = settings.shopify
        for secret in (
            shopify.access_token if shopify else None,
            shopify.client_secret if shopify else None,
            shopify.webhook_secret if shopify else None,
            settings.ccvshop.secret if settings.ccvshop else None,
            settings.paynl.api_token if settings.paynl else None,
            settings.exact.client_secret,
            settings.exact.webhook_secret,
            settings.alerts.smtp_password,
        ):
            if secret is not None:
                register_secret(secret.get_secret_value())

    async def run(self) -> int:
        s = self.settings
        db = await Database.open(s.daemon.database_path)
        try:
            check = await db.quick_check()
            if check != "ok":
                log.error("database check failed", result=check, path=str(db.path))
                return 1
            queue = Queue(
                db,
                max_attempts=s.queue.max_attempts,
                backoff=Backoff(s.queue.backoff_base, s.queue.backoff_cap),
                lease_seconds=max(s.queue.lease, s.daemon.job_timeout + 60),
                merge=MERGES,
                first=("stock",),  # near real time: ahead of order backlogs for a worker
            )
            recovered = await queue.recover_interrupted()
            if recovered:
                log.warning("jobs interrupted by the previous run will run again", count=recovered)
            services = Services(settings=s, db=db, queue=queue)
            queue.subscribe(lambda event, data: services.events.publish("job", state=event, **data))
            clients = build_clients(s, db)
            services.shopify, services.exact = clients.shopify, clients.exact
            services.ccvshop = clients.ccvshop
            services.paynl = clients.paynl
            services.extras["tokens"] = clients.tokens
            if clients.shopify is not None:
                services.extras["shopify_auth"] = clients.shopify.client.auth
            self.services = services
            try:
                await self._serve(services)
            finally:
                await clients.aclose()
        finally:
            await db.close()
        log.info("stopped")
        return 0

    async def _serve(self, services: Services) -> None:
        s = self.settings
        worker = Worker(
            services.queue,
            self.registry,
            services,
            concurrency=s.daemon.workers,
            job_timeout=s.daemon.job_timeout,
        )
        self.worker = worker
        services.extras["worker"] = worker
        servers: list[Any] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._watch_signals)
            if s.ingress.enabled:
                ingress = Ingress(
                    services.db,
                    services.queue,
                    # A CCV shop takes no Shopify webhooks: no topic, and a key nobody has.
                    shopify_secret=(shopify_webhook_key(s) if s.shopify else secrets.token_hex(32)),
                    exact_secret=(
                        s.exact.webhook_secret.get_secret_value().encode()
                        if s.exact.webhook_secret
                        else None
                    ),
                    topics=ingress_topics() if s.shopify else frozenset(),
                    max_body=s.ingress.max_body_bytes,
                )
                services.extras["ingress"] = ingress
                server = make_server(
                    ingress, host=s.ingress.host, port=s.ingress.port, lifespan="off"
                )
                servers.append(server)
                tg.start_soon(_serve_until_done, server)
                await wait_started(server)
                self.ingress_port = _port(server)
            control_sock = unix_listener(str(s.control.socket))
            control = make_server(build_control_app(services), lifespan="off")
            servers.append(control)
            tg.start_soon(_serve_until_done, control, [control_sock])
            await wait_started(control)
            await tg.start(worker.run)
            tg.start_soon(self._housekeeping, services)
            for task in background_tasks(services):
                tg.start_soon(task)
            self.notifier.ready(await self._status_line(services))
            self.ready.set()
            log.info(
                "started",
                ingress=f"{s.ingress.host}:{self.ingress_port}" if s.ingress.enabled else "off",
                workers=s.daemon.workers,
                database=str(services.db.path),
            )
            if self.notifier.watchdog_interval:
                tg.start_soon(self._watchdog, services)
            await self.stop.wait()

            self.notifier.stopping("draining running jobs")
            # Ask systemd for the grace period plus a margin, whatever TimeoutStopSec says.
            self.notifier.extend_timeout(s.daemon.grace_period + 15)
            log.info("stopping", running=len(worker.running), grace_s=s.daemon.grace_period)
            for server in servers:
                server.should_exit = True  # no new webhooks: Shopify retries what we refuse
            await worker.drain(s.daemon.grace_period)
            if worker.running:
                log.warning(
                    "grace period over; unfinished jobs go back to the queue",
                    count=len(worker.running),
                )
            # Servers close their listening sockets themselves once should_exit is seen;
            # cancelling them mid-shutdown would leak the sockets.
            with anyio.move_on_after(10):
                for server in servers:
                    await server.stopped.wait()
            tg.cancel_scope.cancel()
        control_sock.close()
        s.control.socket.unlink(missing_ok=True)

    async def _watch_signals(self) -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for signum in signals:
                log.info("signal received", signal=signal.Signals(signum).name)
                self.stop.set()
                return

    async def _housekeeping(self, services: Services) -> None:
        s = self.settings
        last_prune = 0.0
        while True:
            await anyio.sleep(SWEEP_INTERVAL)
            swept = await services.queue.recover_interrupted(expired_only=True)
            if swept:
                log.warning("jobs with expired leases requeued", count=swept)
            if time.time() - last_prune > PRUNE_INTERVAL:
                last_prune = time.time()
                pruned = await services.queue.prune(
                    jobs_older_than=s.queue.retention_days * 86400,
                    receipts_older_than=s.queue.receipt_retention_days * 86400,
                )
                if any(pruned.values()):
                    log.info("pruned", **pruned)
            self.notifier.status(await self._status_line(services))

    async def _watchdog(self, services: Services) -> None:
        """Ping systemd only while the loop really makes progress (OPS.md §2)."""
        interval = self.notifier.watchdog_interval or 10.0
        worker = self.worker
        while True:
            await anyio.sleep(interval)
            stalled = worker is not None and time.monotonic() - worker.heartbeat > max(
                5, 2 * interval
            )
            with anyio.move_on_after(interval / 2) as scope:
                await services.db.fetchone("SELECT 1")
            if stalled or scope.cancelled_caught:
                log.error(
                    "watchdog withheld", worker_stalled=stalled, db_slow=scope.cancelled_caught
                )
                continue
            self.notifier.watchdog()

    async def _status_line(self, services: Services) -> str:
        counts = await services.queue.counts()
        pending = sum(counts.get("queued", {}).values()) + sum(counts.get("retrying", {}).values())
        dead = sum(counts.get("dead", {}).values())
        running = len(self.worker.running) if self.worker else 0
        return f"{pending} pending, {running} running, {dead} dead"


async def _serve_until_done(server: Any, sockets: list[Any] | None = None) -> None:
    server.stopped = anyio.Event()
    try:
        await server.serve(sockets=sockets)
    finally:
        server.stopped.set()


def _port(server: Any) -> int | None:
    for srv in server.servers:
        for sock in srv.sockets:
            return sock.getsockname()[1]
    return None
