"""An httpx client for the control socket, shared by the CLI and the console."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx


class ControlError(Exception):
    """The daemon could not be reached, or refused the request; the message says which."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


INSTANCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")  # as systemd/install.sh checks
INSTANCES_CONFIG = Path("/etc/shopsync")
INSTANCES_RUNTIME = Path("/run/shopsync")


def find_socket(
    socket: str | None = None, config: str | None = None, instance: str | None = None
) -> Path:
    """--socket, else $SHOPSYNC_CONTROL__SOCKET, else the config file's [control] socket, else
    the daemon's default. Reads the TOML directly: an operator may not be allowed the secrets
    a full settings load needs. `instance` names one shop of several (shopsync@NAME.service):
    its config /etc/shopsync/NAME/shopsync.toml, else its socket /run/shopsync/NAME/."""
    if socket:
        return Path(socket)
    if instance is not None:
        if not INSTANCE_NAME.match(instance):
            raise ControlError(f"--instance: letters, digits, - and _ only, not {instance!r}")
        path = INSTANCES_CONFIG / instance / "shopsync.toml"
        default = INSTANCES_RUNTIME / instance / "shopsync.sock"
        return _from_config(str(path)) or default
    if os.environ.get("SHOPSYNC_CONTROL__SOCKET"):
        return Path(os.environ["SHOPSYNC_CONTROL__SOCKET"])
    found = _from_config(config or os.environ.get("SHOPSYNC_CONFIG"))
    if found is not None:
        return found
    from daemon.config import ControlSettings

    return ControlSettings().socket


def _from_config(chosen: str | None) -> Path | None:
    try:
        if chosen and Path(chosen).is_file():
            with open(chosen, "rb") as fh:
                section = tomllib.load(fh).get("control", {})
            if section.get("socket"):
                return Path(section["socket"]).expanduser()
    except PermissionError:  # not in the shopsync group: the default path says as much
        return None
    return None


class ControlClient:
    """Async calls to the daemon's control API over its Unix socket."""

    def __init__(self, socket: str | os.PathLike[str], *, timeout: float = 10.0):
        self.socket = Path(socket)
        self._http = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(self.socket)),
            base_url="http://shopsync",
            timeout=timeout,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ControlClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kw)
        except (httpx.ConnectError, FileNotFoundError, ConnectionRefusedError):
            raise ControlError(
                f"the daemon is not running (nothing answers on {self.socket}); "
                "start it with `systemctl start shopsync`, or pass --socket"
            ) from None
        except PermissionError:
            raise ControlError(
                f"no permission to use {self.socket}: join the shopsync group"
            ) from None
        except httpx.TimeoutException:
            raise ControlError(
                f"the daemon did not answer within {self._http.timeout.read} s"
            ) from None
        except httpx.TransportError as exc:
            raise ControlError(f"lost the connection to the daemon: {exc}") from None
        try:
            data = response.json()
        except ValueError:
            raise ControlError(
                f"unexpected answer ({response.status_code})", response.status_code
            ) from None
        if response.status_code >= 400:
            raise ControlError(data.get("error", str(data)), response.status_code)
        return data

    # -- reading ---------------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        return await self._call("GET", "/status")

    async def jobs(
        self,
        *,
        state: str | None = None,
        kind: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        params = {"state": state, "kind": kind, "q": q, "limit": limit, "offset": offset}
        return await self._call(
            "GET", "/jobs", params={k: v for k, v in params.items() if v not in (None, "")}
        )

    async def job(self, job_id: int) -> dict[str, Any]:
        return await self._call("GET", f"/jobs/{job_id}")

    async def alerts(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "/alerts"))["alerts"]

    async def logs(self, limit: int = 200) -> list[dict[str, Any]]:
        return (await self._call("GET", "/logs", params={"limit": limit}))["lines"]

    # -- acting ----------------------------------------------------------------------------
    async def retry(self, job_id: int) -> dict[str, Any]:
        return await self._call("POST", f"/jobs/{job_id}/retry")

    async def cancel(self, job_id: int) -> dict[str, Any]:
        return await self._call("POST", f"/jobs/{job_id}/cancel")

    async def retry_matching(self, **filters: Any) -> int:
        return (await self._call("POST", "/jobs/retry", json=filters))["count"]

    async def cancel_matching(self, **filters: Any) -> int:
        return (await self._call("POST", "/jobs/cancel", json=filters))["count"]

    async def pause(self, flow: str, reason: str = "paused by operator") -> dict[str, Any]:
        return await self._call("POST", f"/flows/{flow}/pause", json={"reason": reason})

    async def resume(self, flow: str) -> dict[str, Any]:
        return await self._call("POST", f"/flows/{flow}/resume")

    async def run_now(self, schedule: str) -> dict[str, Any]:
        return await self._call("POST", f"/schedules/{schedule}/run")

    async def tieout(self, day: str | None = None) -> dict[str, Any]:
        """The last daily tie-out, or `day`'s run now (it reads Shopify and Exact: minutes)."""
        params = {"date": day} if day else {}
        return await self._call("GET", "/tieout", params=params, timeout=httpx.Timeout(600.0))

    # -- live stream -----------------------------------------------------------------------
    async def events(self, *, replay: bool = False) -> AsyncIterator[dict[str, Any]]:
        """Yield events until the stream ends; raises ControlError when the daemon goes away."""
        params = {"replay": "1"} if replay else {}
        try:
            async with self._http.stream(
                "GET", "/events", params=params, timeout=httpx.Timeout(10.0, read=None)
            ) as response:
                data: list[str] = []
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "" and data:
                        yield json.loads("\n".join(data))
                        data = []
        except (httpx.ConnectError, FileNotFoundError, ConnectionRefusedError):
            raise ControlError(
                f"the daemon is not running (nothing answers on {self.socket})"
            ) from None
        except httpx.TransportError as exc:
            raise ControlError(f"lost the connection to the daemon: {exc}") from None
