"""The `alerts.send` job: write the digest mail and hand it to the SMTP relay (aiosmtplib)."""

from __future__ import annotations

import socket
import ssl
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import aiosmtplib

from connectors.errors import PermanentError, TransientError
from daemon.alerts import digest
from daemon.alerts.digest import Notice
from daemon.alerts.store import mark_delivered
from daemon.config import AlertSettings
from daemon.logs import get_logger, redact_secrets
from state.queue import Job

API = "smtp"
log = get_logger("shopsync.alerts")


def compose(notices: list[Notice], settings: AlertSettings, *, key: str, created_at: float):
    """The digest as a plain-text mail; its Message-ID follows the job key, so a resend of the
    same digest (after a crash between sending and recording) is recognisably the same mail."""
    host = socket.gethostname()
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Subject"] = _scrub(digest.subject(notices))
    message["Date"] = format_datetime(datetime.fromtimestamp(created_at, UTC))
    domain = settings.sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<{key.replace(':', '.')}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(_scrub(digest.body(notices, host=host)))
    return message


def _scrub(text: str) -> str:
    # Errors are meant to be secret-free already; this catches a token that slipped in anyway.
    return redact_secrets(None, "", {"text": text})["text"]


async def deliver(message: EmailMessage, settings: AlertSettings) -> None:
    """Send over SMTP with the configured security, never upgrading or downgrading on a guess.

    Raises TransientError when trying later may help, PermanentError when the configuration
    must change first.
    """
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=password if settings.smtp_user else None,
            use_tls=settings.smtp_security == "tls",
            # Explicit True/False: the library's default (None) upgrades only when the server
            # offers STARTTLS, which an attacker in the path can strip (OPS.md §12).
            start_tls=settings.smtp_security == "starttls",
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            timeout=settings.smtp_timeout,
        )
    except Exception as exc:
        mapped = _classified(exc, settings, where)
        if mapped is None:
            raise  # not SMTP trouble: a bug, which the worker reports as one
        raise mapped from None


def _classified(exc: Exception, settings: AlertSettings, where: str) -> Exception | None:
    """SMTP trouble in the worker's vocabulary: transient (retry later) or permanent (fix)."""
    cert = exc if isinstance(exc, ssl.SSLCertVerificationError) else exc.__cause__
    if isinstance(cert, ssl.SSLCertVerificationError):
        return PermanentError(
            f"{where}: the relay's certificate does not verify ({cert.verify_message})",
            api=API,
            hint="Point alerts.smtp_ca_file at the relay's CA (PEM), or fix smtp_host.",
        )
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return PermanentError(
            f"{where} refused the login for {settings.smtp_user!r}: {exc.code} {exc.message}",
            api=API,
            hint="Check alerts.smtp_user and the smtp_password credential.",
        )
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused | aiosmtplib.SMTPSenderRefused):
        return _refused(exc, where)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if 500 <= exc.code < 600:
            return PermanentError(
                f"{where} rejected the mail: {exc.code} {exc.message}",
                api=API,
                hint="Read the relay's words above; fix alerts.sender, alerts.to or the relay.",
            )
        return TransientError(f"{where} said {exc.code} {exc.message}", api=API)
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPTimeoutError | OSError):
        return TransientError(f"could not reach the mail relay {where}: {exc}", api=API)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return TransientError(f"the mail relay {where} hung up: {exc}", api=API)
    if isinstance(exc, aiosmtplib.SMTPException) and "STARTTLS" in str(exc):
        return PermanentError(
            f"{where} does not offer STARTTLS, so the mail was not sent in plain text",
            api=API,
            hint='Use smtp_security = "tls" (usually port 465) or a relay with STARTTLS; '
            '"none" only for a relay on this machine.',
        )
    if isinstance(exc, aiosmtplib.SMTPException):
        return TransientError(f"mail relay {where}: {exc}", api=API)
    return None


def _refused(exc: Any, where: str) -> Exception:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        words = "; ".join(f"{e.recipient}: {e.code} {e.message}" for e in exc.recipients)
        codes = [e.code for e in exc.recipients]
        what, setting = f"{where} refused the recipients ({words})", "alerts.to"
    else:
        codes = [exc.code]
        what, setting = (
            f"{where} refused the sender {exc.sender}: {exc.code} {exc.message}",
            ("alerts.sender"),
        )
    if all(400 <= c < 500 for c in codes):
        return TransientError(what, api=API)
    return PermanentError(what, api=API, hint=f"Check {setting} and what the relay accepts.")


async def send_alert_digest(services: Any, job: Job) -> None:
    """Handler of `alerts.send`: mail the digest in the payload, then record it as sent."""
    settings: AlertSettings = services.settings.alerts
    if not settings.to:
        raise PermanentError(
            "no alert recipients are configured", api=API, hint="Set alerts.to in the config."
        )
    notices = [Notice(**n) for n in job.payload.get("notices", [])]
    if not notices:
        return
    created_at = float(job.payload.get("created_at", job.created_at))
    message = compose(notices, settings, key=job.key, created_at=created_at)
    await deliver(message, settings)
    await mark_delivered(services.db, notices, time.time())
    log.info("alert digest sent", notices=len(notices), recipients=len(settings.to))
