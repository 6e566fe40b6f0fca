"""Exact's OAuth token pair and where it is kept between runs (memory for tests, a JSON file)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import anyio


@dataclass(frozen=True)
class TokenSet:
    """One access/refresh pair as Exact issued it; every timestamp is aware UTC.

    `refresh_started_at` is the write-ahead marker: set (and persisted) just before the refresh
    token is sent to Exact, cleared when the rotated pair is saved. If a process finds it set at
    start, the previous one died mid-refresh and the stored refresh token may already be spent.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    obtained_at: datetime
    refresh_started_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("expires_at", "obtained_at", "refresh_started_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")

    def marked_in_flight(self, at: datetime) -> TokenSet:
        return replace(self, refresh_started_at=at)

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.astimezone(UTC).isoformat(),
            "obtained_at": self.obtained_at.astimezone(UTC).isoformat(),
            "refresh_started_at": (
                self.refresh_started_at.astimezone(UTC).isoformat()
                if self.refresh_started_at
                else None
            ),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenSet:
        started = data.get("refresh_started_at")
        return cls(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            obtained_at=datetime.fromisoformat(data["obtained_at"]),
            refresh_started_at=datetime.fromisoformat(started) if started else None,
        )


class TokenStore(Protocol):
    """Durable home of the one live token pair. `save` must be durable when it returns."""

    async def load(self) -> TokenSet | None: ...

    async def save(self, tokens: TokenSet) -> None: ...


class MemoryTokenStore:
    """Keeps the pair in memory and remembers every save, so tests can inspect the history."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self.tokens = tokens
        self.saved: list[TokenSet] = []

    async def load(self) -> TokenSet | None:
        return self.tokens

    async def save(self, tokens: TokenSet) -> None:
        self.tokens = tokens
        self.saved.append(tokens)


class FileTokenStore:
    """A 0600 JSON file replaced atomically: temp file, fsync, rename, fsync of the directory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    async def load(self) -> TokenSet | None:
        return await anyio.to_thread.run_sync(self._load)

    async def save(self, tokens: TokenSet) -> None:
        await anyio.to_thread.run_sync(self._save, tokens)

    def _load(self) -> TokenSet | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return TokenSet.from_json(json.loads(text))

    def _save(self, tokens: TokenSet) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        data = json.dumps(tokens.to_json()).encode()
        # mkstemp creates the file 0600, so the secret is never readable by others, even briefly.
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        # The rename is only durable once the directory entry itself is on disk.
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
