"""SMTP security is what the config says: STARTTLS or TLS explicitly, login when configured."""

from __future__ import annotations

import pytest

from connectors.errors import PermanentError, TransientError
from daemon.alerts.digest import Notice
from daemon.alerts.mail import compose, deliver
from daemon.config import ConfigError
from tests.alerts.conftest import authenticator, kit_for, make_settings, server_tls, smtp_server

pytestmark = pytest.mark.anyio

NOTICE = Notice(
    fingerprint="queue_backlog",
    kind="new",
    rule="queue_backlog",
    summary="the oldest due job has waited 20 minutes",
    detail="Job 7 has been due since 2026-11-22 10:00:00 UTC.",
    first_seen=1_795_000_000.0,
    stamp=1_795_000_000.0,
)


def _mail(settings):
    return compose([NOTICE], settings.alerts, key="alerts.digest:abc", created_at=1_795_000_000.0)


async def test_starttls_against_a_relay_without_it_fails_instead_of_sending_plain_text(smtp):
    inbox, port = smtp  # a plain server: it does not offer STARTTLS
    settings = make_settings(port, smtp_security="starttls")
    with pytest.raises(PermanentError) as failure:
        await deliver(_mail(settings), settings.alerts)
    assert "does not offer STARTTLS, so the mail was not sent in plain text" in str(failure.value)
    assert 'smtp_security = "tls"' in failure.value.hint
    assert inbox.messages == []


async def test_starttls_upgrades_and_logs_in_with_the_configured_credentials(relay_cert):
    logins: list[str] = []
    with smtp_server(
        tls_context=server_tls(relay_cert),
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator("alerts@shop.example", "relay-pass-0001", logins),
    ) as (inbox, port):
        settings = make_settings(
            port,
            smtp_security="starttls",
            smtp_ca_file=str(relay_cert[0]),
            smtp_user="alerts@shop.example",
            smtp_password="relay-pass-0001",
        )
        await deliver(_mail(settings), settings.alerts)
    assert inbox.tls == [True]
    assert logins == ["alerts@shop.example"]
    assert inbox.messages[0]["Subject"].startswith("[shopsync] ALERT: the oldest due job")


async def test_implicit_tls_sends_over_an_encrypted_connection(relay_cert):
    with smtp_server(ssl_context=server_tls(relay_cert)) as (inbox, port):
        settings = make_settings(port, smtp_security="tls", smtp_ca_file=str(relay_cert[0]))
        await deliver(_mail(settings), settings.alerts)
    assert len(inbox.messages) == 1
    assert inbox.tls == [True]


async def test_a_relay_certificate_nobody_trusts_is_refused_with_the_fix(relay_cert):
    with smtp_server(ssl_context=server_tls(relay_cert)) as (inbox, port):
        settings = make_settings(port, smtp_security="tls")  # no smtp_ca_file
        with pytest.raises(PermanentError) as failure:
            await deliver(_mail(settings), settings.alerts)
    assert "certificate does not verify" in str(failure.value)
    assert "smtp_ca_file" in failure.value.hint
    assert inbox.messages == []


async def test_a_wrong_password_is_permanent_and_never_quoted(relay_cert):
    with smtp_server(
        tls_context=server_tls(relay_cert),
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator("alerts@shop.example", "relay-pass-0001", []),
    ) as (inbox, port):
        settings = make_settings(
            port,
            smtp_security="starttls",
            smtp_ca_file=str(relay_cert[0]),
            smtp_user="alerts@shop.example",
            smtp_password="wrong-pass-0002",
        )
        with pytest.raises(PermanentError) as failure:
            await deliver(_mail(settings), settings.alerts)
    assert "refused the login for 'alerts@shop.example'" in str(failure.value)
    assert "smtp_password credential" in failure.value.hint
    assert "wrong-pass-0002" not in str(failure.value)
    assert inbox.messages == []


async def test_a_relay_that_is_down_is_a_transient_failure(smtp):
    with smtp_server() as (_, port):
        pass
    settings = make_settings(port)
    with pytest.raises(TransientError, match="could not reach the mail relay"):
        await deliver(_mail(settings), settings.alerts)


async def test_a_send_job_refused_for_starttls_goes_dead_with_the_hint(tmp_path, smtp):
    inbox, port = smtp
    async with kit_for(tmp_path, make_settings(port, smtp_security="starttls")) as kit:
        await kit.dead_order()
        sent = (await kit.evaluator().tick()).send_job
        await kit.run_jobs(lambda: _dead(kit, sent))
        job = await kit.queue.get(sent)
        # A dead mail is retried only after the repeat interval, not on every evaluation.
        assert (await kit.evaluator().tick()).send_job is None
    assert "does not offer STARTTLS" in job.last_error
    assert 'smtp_security = "tls"' in job.hint
    assert inbox.messages == []


async def _dead(kit, job_id: int) -> bool:
    job = await kit.queue.get(job_id)
    return job.state == "dead"


def test_a_password_is_never_configured_to_travel_in_plain_text():
    with pytest.raises(ConfigError) as refused:
        make_settings(25, smtp_host="mail.example.com", smtp_user="alerts", smtp_password="pw-1")
    [problem] = refused.value.problems
    assert "would send the SMTP password in plain text to mail.example.com" in problem
    assert "pw-1" not in problem
    # A relay on this machine may take a login without TLS.
    assert make_settings(25, smtp_user="alerts", smtp_password="pw-1").alerts.smtp_user == "alerts"
