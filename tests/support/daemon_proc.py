"""Run a real `shopsync run` subprocess for tests: config file, start, logs, signals."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SECRETS = {
    "access_token": "shpat_testcanary0001",
    "webhook_secret": "test-webhook-secret-0001",
    "exact_client_secret": "exact-client-secret-0001",
}


def write_config(directory: Path, **sections: dict[str, Any]) -> Path:
    """A minimal valid config in `directory`; `sections` override/extend tables."""
    base: dict[str, dict[str, Any]] = {
        "daemon": {"state_dir": str(directory / "state"), "workers": 4, "log_format": "json"},
        "ingress": {"port": 0},
        "control": {"socket": str(directory / "shopsync.sock")},
        "shopify": {
            "shop_url": "http://127.0.0.1:9",
            "access_token": SECRETS["access_token"],
            "webhook_secret": SECRETS["webhook_secret"],
        },
        "exact": {"client_id": "client-1", "client_secret": SECRETS["exact_client_secret"]},
        "mapping": {"default_warehouse": "AMS"},
        # No APIs behind these tests: flows that poll are off unless a test turns them on.
        "stock": {"enabled": False},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    lines = []
    for name, values in base.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    path = directory / "shopsync.toml"
    path.write_text("\n".join(lines))
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))


class DaemonProcess:
    """`shopsync run` in a subprocess, with its JSON log lines collected as they come."""

    def __init__(self, config: Path, env: dict[str, str] | None = None):
        self.config = config
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.lines: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self._reader: threading.Thread | None = None

    def start(self, wait: float = 20.0) -> DaemonProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daemon.cli", "run", "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for("started", wait)
        return self

    def _read(self) -> None:
        assert self.proc and self.proc.stdout
        for raw in self.proc.stdout:
            text = raw.decode(errors="replace").rstrip("\n")
            self.raw.append(text)
            with contextlib.suppress(ValueError):
                self.lines.append(json.loads(text))

    def wait_for(self, event: str, timeout: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if line.get("event") == event:
                    return line
            if self.proc and self.proc.poll() is not None:
                time.sleep(0.2)
                raise RuntimeError(f"daemon exited {self.proc.returncode}:\n" + "\n".join(self.raw))
            time.sleep(0.02)
        raise TimeoutError(f"no {event!r} log line in {timeout} s:\n" + "\n".join(self.raw))

    @property
    def ingress_url(self) -> str:
        started = self.wait_for("started")
        return "http://" + started["ingress"]

    def terminate(self, timeout: float = 40.0) -> int:
        assert self.proc
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self._finish()
        return code

    def kill(self) -> None:
        assert self.proc
        self.proc.kill()
        self.proc.wait(10)
        self._finish()

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._finish()

    def _finish(self) -> None:
        if self._reader is not None:
            self._reader.join(5)
        if self.proc and self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()
