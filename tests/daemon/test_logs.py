"""Secrets never reach a log line, whatever shape they arrive in."""

from __future__ import annotations

import io
import json

from daemon.logs import configure_logging, get_logger, register_secret

CANARY = "canary-secret-7f3a9c"


def test_secrets_are_redacted_from_json_log_lines():
    out = io.StringIO()
    configure_logging("debug", "json", stream=out)
    register_secret(CANARY)
    log = get_logger("t")
    log.info("token refreshed", access_token=CANARY, refresh_token="r-" + CANARY)
    log.info("request", headers={"Authorization": f"Bearer {CANARY}", "X-Other": "ok"})
    log.info("oops", detail=f"upstream said: invalid key {CANARY}")
    log.info("shopify", note="shpat_0123456789abcdef leaked")
    log.info("hmac check", hmac="abc123=", X_Shopify_Hmac_Sha256="zzz")
    try:
        raise RuntimeError(f"failed with {CANARY}")
    except RuntimeError:
        log.exception("boom")
    text = out.getvalue()
    assert CANARY not in text
    assert "shpat_0123456789abcdef" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[1]["headers"]["X-Other"] == "ok"  # the rest survives
    assert lines[4]["hmac"] == "[redacted]"
    assert "RuntimeError" in lines[5]["exception"]


def test_console_renderer_is_used_for_a_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    configure_logging("info", "auto", stream=out)
    get_logger("t").info("hello", n=1)
    assert not out.getvalue().lstrip().startswith("{")
    assert "hello" in out.getvalue()
