"""sd_notify: messages reach a real datagram socket as systemd receives them, or go nowhere."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from daemon.notify import Notifier


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A stand-in for PID 1's notify socket at a filesystem path; yields it and $NOTIFY_SOCKET."""
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(5)
        yield sock, path


def received_fields(sock: socket.socket) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_ready_with_status_reaches_a_path_socket(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    notifier = Notifier.from_env({"NOTIFY_SOCKET": path})

    assert notifier.enabled
    assert notifier.ready("queue 0, last sync 12:00")
    assert received_fields(sock) == ["READY=1", "STATUS=queue 0, last sync 12:00"]


def test_at_sign_means_an_abstract_socket() -> None:
    name = f"shopsync-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(5)
        notifier = Notifier.from_env({"NOTIFY_SOCKET": f"@{name}"})

        assert notifier.watchdog()
        assert received_fields(sock) == ["WATCHDOG=1"]
        assert notifier.stopping()
        assert received_fields(sock) == ["STOPPING=1"]


def test_status_and_stopping_messages(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    notifier = Notifier.from_env({"NOTIFY_SOCKET": path})

    notifier.status("queue 3, last sync 12:01")
    assert received_fields(sock) == ["STATUS=queue 3, last sync 12:01"]
    notifier.stopping("draining 2 jobs")
    assert received_fields(sock) == ["STOPPING=1", "STATUS=draining 2 jobs"]
    notifier.reloading()
    reload_fields = received_fields(sock)
    assert reload_fields[0] == "RELOADING=1"
    assert reload_fields[1].startswith("MONOTONIC_USEC=")
    notifier.extend_timeout(20)
    assert received_fields(sock) == ["EXTEND_TIMEOUT_USEC=20000000"]


def test_a_newline_in_a_status_cannot_inject_another_field(
    notify_socket: tuple[socket.socket, str],
) -> None:
    sock, path = notify_socket
    notifier = Notifier.from_env({"NOTIFY_SOCKET": path})

    notifier.status("Exact said: bad request\nREADY=1")
    assert received_fields(sock) == ["STATUS=Exact said: bad request READY=1"]


def test_without_notify_socket_everything_is_a_quiet_no_op() -> None:
    notifier = Notifier.from_env({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())})

    with capture_logs() as logs:
        assert not notifier.enabled
        assert notifier.watchdog_interval is None  # nobody to ping
        assert not notifier.ready("up")
        assert not notifier.status("x")
        assert not notifier.watchdog()
        assert not notifier.stopping()
    assert logs == []


@pytest.mark.parametrize(
    ("env", "interval"),
    [
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "self"}, 15.0),
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "other"}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "thirty"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_is_half_of_watchdog_usec_for_this_process(
    env: dict[str, str], interval: float | None
) -> None:
    pids = {"self": str(os.getpid()), "other": str(os.getpid() + 1)}
    env = {k: pids.get(v, v) for k, v in env.items()}
    notifier = Notifier.from_env({"NOTIFY_SOCKET": "/run/systemd/notify", **env})
    assert notifier.watchdog_interval == interval


def test_send_failures_never_raise_and_are_logged_once_per_outage(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")  # nobody listens yet, like a restarted PID 1
    notifier = Notifier.from_env({"NOTIFY_SOCKET": path})

    with capture_logs() as logs:
        assert not notifier.watchdog()
        assert not notifier.watchdog()
        assert not notifier.status("still trying")
    assert [e["event"] for e in logs] == ["sd_notify_failed"]
    assert logs[0]["log_level"] == "warning"

    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock, capture_logs() as logs:
        sock.bind(path)
        sock.settimeout(5)
        assert notifier.watchdog()
        assert received_fields(sock) == ["WATCHDOG=1"]
    assert [e["event"] for e in logs] == ["sd_notify_recovered"]


def test_unsupported_socket_kind_disables_notifications_with_a_warning() -> None:
    with capture_logs() as logs:
        notifier = Notifier.from_env({"NOTIFY_SOCKET": "vsock:2:1234"})
    assert not notifier.enabled
    assert not notifier.ready()
    assert [e["event"] for e in logs] == ["sd_notify_unsupported_socket"]


def test_a_real_main_process_is_identified_by_its_pid(
    notify_socket: tuple[socket.socket, str],
) -> None:
    """NotifyAccess=main: systemd trusts a datagram only if the kernel says the main pid sent it."""
    sock, path = notify_socket
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    child = (
        "from daemon.notify import Notifier; n = Notifier.from_env(); "
        "print(n.watchdog_interval, flush=True); n.ready('up')"
    )
    # Like systemd: WATCHDOG_PID is the pid that ends up running the daemon (exec keeps it).
    script = f'WATCHDOG_PID=$$ exec "{sys.executable}" -c "{child}"'
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"}
    proc = subprocess.Popen(["/bin/sh", "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    try:
        data, ancdata, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(12))
        out, _ = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()

    assert data == b"READY=1\nSTATUS=up"
    assert out.strip() == "2.0"
    creds = [
        d for lvl, kind, d in ancdata if (lvl, kind) == (socket.SOL_SOCKET, socket.SCM_CREDENTIALS)
    ]
    pid, _uid, _gid = struct.unpack("iII", creds[0])
    assert pid == proc.pid
