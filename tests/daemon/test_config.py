"""Configuration: TOML, env overrides, systemd credentials, and clear errors."""

from __future__ import annotations

import pytest

from daemon.config import ConfigError, load_settings
from tests.support.daemon_proc import write_config


def test_toml_env_and_credentials_combine_with_env_strongest(tmp_path, monkeypatch):
    path = write_config(tmp_path, daemon={"workers": 2})
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "shopify_access_token").write_text("shpat_from_credentials\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    monkeypatch.setenv("SHOPSYNC_DAEMON__WORKERS", "7")
    settings = load_settings(path)
    assert settings.daemon.workers == 7
    assert settings.shopify.access_token.get_secret_value() == "shpat_from_credentials"
    assert "shpat_from_credentials" not in repr(settings)


def test_config_path_can_come_from_the_environment(tmp_path, monkeypatch):
    path = write_config(tmp_path)
    monkeypatch.setenv("SHOPSYNC_CONFIG", str(path))
    assert load_settings().mapping.default_warehouse == "AMS"


def test_every_problem_is_one_line_naming_the_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        "[daemon]\nworkers = 0\nlog_level = 'loud'\n"
        "[shopify]\nshop_url = 'not a url'\naccess_token = 'shpat_secret_value_1'\n"
        "api_version = '2026-05'\n[mapping]\nwarehouse = 'AMS'\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    problems = caught.value.problems
    joined = "\n".join(problems)
    for key in (
        "daemon.workers",
        "daemon.log_level",
        "shopify.shop_url",
        "shopify.api_version",
        "shopify.webhook_secret",
        "exact",
        "mapping.warehouse",
        "mapping.default_warehouse",
    ):
        assert any(line.startswith(key + ":") for line in problems), (key, joined)
    assert "shpat_secret_value_1" not in joined
    # Only an access token: the legacy mode, whose webhook key is its own credential.
    missing = next(p for p in problems if p.startswith("shopify.webhook_secret:"))
    assert "shopify.webhook_secret (credential shopify_webhook_secret)" in missing


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_the_shipped_example_config_is_valid(monkeypatch, tmp_path):
    from pathlib import Path

    example = Path(__file__).parents[2] / "systemd" / "shopsync.example.toml"
    creds = tmp_path / "creds"
    creds.mkdir()
    for name in (
        "shopify_client_id",
        "shopify_client_secret",
        "exact_client_id",
        "exact_client_secret",
        "exact_webhook_secret",
    ):
        (creds / name).write_text("x" * 12)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    settings = load_settings(example)
    assert settings.ingress.host == "127.0.0.1"
    # A new setup: a Dev Dashboard app whose client secret also signs webhooks (one file).
    assert settings.shopify.auth == "client_credentials"
    assert settings.shopify.webhook_secret == settings.shopify.client_secret
