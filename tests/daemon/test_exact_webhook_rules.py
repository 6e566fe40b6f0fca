"""Exact's webhook callback rules: `config check` warns, and the keeper stops asking once refused.

Exact calls only https callbacks on the host of the app's redirect URI (contract
webhooks/WebhookSubscriptions). A refused POST spends Exact's 10-errors-an-hour budget, so the
hourly keeper must not repeat it: one refusal, one alert, then quiet until the configuration
changes or a week has passed.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from daemon.alerts.rules import Snapshot, evaluate
from daemon.config import AlertSettings, load_settings
from daemon.config_check import exact_webhook_warnings
from daemon.flows.subscriptions import REFUSED_EXTRA, RETRY_REFUSED_AFTER, keep_exact
from tests.orders.conftest import order_env
from tests.support.daemon_proc import write_config

HOOKS = {"webhook_secret": "exact-webhook-secret"}


def _settings(tmp_path, public_url, redirect_uri):
    return load_settings(
        write_config(
            tmp_path,
            ingress={"port": 0, "public_url": public_url},
            exact={"client_id": "c", "client_secret": "s", "redirect_uri": redirect_uri, **HOOKS},
        )
    )


@pytest.mark.parametrize(
    ("public_url", "redirect_uri", "words"),
    [
        ("https://sync.example.com", "https://sync.example.com/callback", []),
        ("http://sync.example.com", "https://sync.example.com/callback", ["only https"]),
        ("https://sync.example.com", "http://127.0.0.1:8765/callback", ["127.0.0.1"]),
        ("http://203.0.113.5:8080", "http://127.0.0.1:8765/callback", ["only https", "host"]),
    ],
)
def test_config_check_warns_when_exact_would_refuse_the_webhooks(
    tmp_path, public_url, redirect_uri, words
):
    warnings = exact_webhook_warnings(_settings(tmp_path, public_url, redirect_uri))
    assert len(warnings) == len(words)
    for line, word in zip(warnings, words, strict=True):
        assert word in line


def test_config_check_prints_the_warning_even_offline(tmp_path):
    config = write_config(
        tmp_path,
        ingress={"port": 0, "public_url": "http://203.0.113.5:8080"},
        exact={"client_id": "c", "client_secret": "s", **HOOKS},
    )
    done = subprocess.run(
        [sys.executable, "-m", "daemon.cli", "config", "check", "--offline", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: ingress.public_url: Exact calls only https webhooks" in done.stderr
    assert "warning: exact.redirect_uri:" in done.stderr


@pytest.mark.anyio
async def test_a_refused_subscription_is_asked_once_alerted_and_retried_on_change(tmp_path):
    async with order_env(tmp_path) as env:
        s = env.services
        # The test app's redirect URI is http://127.0.0.1/callback; the sandbox is strict.
        s.settings.ingress.public_url = "https://sync.example.com"
        now = 1_000_000.0
        assert await keep_exact(s, now) is None
        refused = s.extras[REFUSED_EXTRA]
        assert "https://sync.example.com/webhooks/exact" in refused
        (finding,) = [
            f
            for f in evaluate(Snapshot(now=now, exact_webhooks_refused=refused), AlertSettings())
            if f.rule == "webhooks"
        ]
        assert finding.fingerprint == "webhooks:exact"

        for hour in range(1, 25):  # a day of hourly checks: no further call, no further error
            assert await keep_exact(s, now + hour * 3600) is None
        state = await env.exact_state()
        assert state["errors"].get("webhooks/WebhookSubscriptions") == 1
        assert state["calls"].get("webhooks/WebhookSubscriptions") == 2  # the GET and the POST

        # The operator fixes the configuration: asked again at once, and it works.
        s.settings.ingress.public_url = "https://127.0.0.1:8443"
        assert sorted(await keep_exact(s, now + 25 * 3600)) == ["SalesInvoices", "StockPositions"]
        assert REFUSED_EXTRA not in s.extras
        assert len((await env.exact_state())["webhook_subscriptions"]) == 2


@pytest.mark.anyio
async def test_an_unchanged_refused_configuration_is_asked_again_after_the_long_backoff(
    tmp_path,
):
    async with order_env(tmp_path) as env:
        s = env.services
        s.settings.ingress.public_url = "http://127.0.0.1:8080"  # right host, but not https
        assert await keep_exact(s, 0.0) is None
        assert await keep_exact(s, RETRY_REFUSED_AFTER - 1) is None
        assert (await env.exact_state())["errors"].get("webhooks/WebhookSubscriptions") == 1
        assert await keep_exact(s, RETRY_REFUSED_AFTER + 1) is None  # asked again, refused
        assert (await env.exact_state())["errors"].get("webhooks/WebhookSubscriptions") == 2


@pytest.mark.anyio
async def test_the_operator_can_ask_again_at_once_and_a_success_clears_the_refusal(tmp_path):
    async with order_env(tmp_path) as env:
        s = env.services
        s.settings.ingress.public_url = "https://127.0.0.1:8443"
        env.exact_sandbox.store.rules.update({"webhook_same_host": True, "webhook_https": True})
        env.exact_sandbox.store.app_redirect_uri = "https://sync.example.com/callback"
        assert await keep_exact(s, 0.0) is None  # refused: wrong host
        assert await keep_exact(s, 3600.0) is None  # the keeper waits
        assert (await env.exact_state())["errors"].get("webhooks/WebhookSubscriptions") == 1
        # The operator fixes the app's redirect URI in Exact's App Center, then
        # `shopsync webhooks sync` asks at once (force) although our config did not change.
        env.exact_sandbox.store.app_redirect_uri = "https://127.0.0.1/callback"
        assert sorted(await keep_exact(s, 3700.0, force=True)) == [
            "SalesInvoices",
            "StockPositions",
        ]
        assert REFUSED_EXTRA not in s.extras
        assert await keep_exact(s, 7300.0) == []  # the keeper asks again: all there
