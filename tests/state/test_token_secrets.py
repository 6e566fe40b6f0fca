"""API tokens are sealed at rest: the database file and its backups hold none in clear text."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import AuthError
from connectors.exact.tokens import TokenSet
from daemon.cli import main as cli
from state.db import Database
from state.secrets import DEV_FILE, ENV, TokenKey, ensure_dev_key, find_key, new_key
from state.tokens import SqliteTokenStore, reseal_all
from tests.support.daemon_proc import write_config

pytestmark = pytest.mark.anyio
ACCESS = "exact-access-CANARY-7f3a9c"
REFRESH = "exact-refresh-CANARY-51b2e0"
NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
PAIR = TokenSet(ACCESS, REFRESH, NOW + timedelta(minutes=10), NOW)


@dataclass(frozen=True)
class OtherToken:  # another API's token type, as Shopify's store uses the same class
    token: str

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OtherToken:
        return cls(data["token"])


def key(*texts: str) -> TokenKey:
    return TokenKey.parse("\n".join(texts), "test")


def raw_bytes(path: Path) -> bytes:
    """The database file and its WAL, as a thief copying the state directory would get them."""
    out = b""
    for name in (path.name, path.name + "-wal"):
        if (path.parent / name).exists():
            out += (path.parent / name).read_bytes()
    return out


async def test_tokens_of_every_api_are_sealed_in_the_file_and_read_back(tmp_path):
    path = tmp_path / "t.db"
    db = await Database.open(path)
    k = key(new_key())
    await SqliteTokenStore(db, key=k).save(PAIR)
    await SqliteTokenStore(db, "shopify", OtherToken, key=k).save(OtherToken("shpat_CANARY_99"))
    assert await SqliteTokenStore(db, key=k).load() == PAIR
    assert await SqliteTokenStore(db, "shopify", OtherToken, key=k).load() == OtherToken(
        "shpat_CANARY_99"
    )
    backup = await db.backup(tmp_path / "backup.db")
    await db.close()
    for blob in (raw_bytes(path), backup.read_bytes()):
        assert b"CANARY" not in blob
    stored = sqlite3.connect(path).execute("SELECT name, data FROM tokens").fetchall()
    assert all(data.startswith(f"aesgcm1:{k.fingerprint}:") for _, data in stored)


async def test_a_token_stored_in_clear_by_an_older_release_is_sealed_and_its_bytes_gone(tmp_path):
    path = tmp_path / "t.db"
    await (await Database.open(path)).close()
    old = sqlite3.connect(path)
    with old:
        old.execute(
            "INSERT INTO tokens (name, data, updated_at) VALUES ('exact', ?, 0)",
            (json.dumps(PAIR.to_json()),),
        )
    old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    old.close()
    assert b"CANARY" in raw_bytes(path)
    db = await Database.open(path)
    assert await SqliteTokenStore(db, key=key(new_key())).load() == PAIR
    await db.close()  # checkpoints the WAL back into the file and truncates it
    assert b"CANARY" not in raw_bytes(path)


async def test_a_database_without_its_key_asks_for_reauthorisation(tmp_path, monkeypatch):
    db = await Database.open(tmp_path / "t.db")
    await SqliteTokenStore(db, key=key(new_key())).save(PAIR)
    with pytest.raises(AuthError, match="sealed with another token key") as wrong:
        await SqliteTokenStore(db, key=key(new_key())).load()
    assert "shopsync auth exact" in wrong.value.hint
    monkeypatch.delenv(ENV)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(AuthError, match="no token key") as missing:
        await SqliteTokenStore(db).load()
    assert "shopsync auth exact" in missing.value.hint
    await db.close()


async def test_the_key_comes_from_the_credential_first_then_the_env_then_a_dev_file(
    tmp_path, monkeypatch
):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "token_key").write_text(new_key() + "\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert find_key(tmp_path / "x.db").source == "credential token_key"
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    assert find_key(tmp_path / "x.db").source == f"${ENV}"
    monkeypatch.delenv(ENV)
    ensure_dev_key(tmp_path)
    assert find_key(tmp_path / "x.db").source == f"development key {tmp_path / DEV_FILE}"
    assert (tmp_path / DEV_FILE).stat().st_mode & 0o077 == 0


async def test_rotation_reseals_under_the_new_key_while_the_old_one_still_opens(tmp_path):
    old, new = new_key(), new_key()
    db = await Database.open(tmp_path / "t.db")
    await SqliteTokenStore(db, key=key(old)).save(PAIR)
    both = key(new, old)  # the new key first: it seals; the old one below it still opens
    assert await SqliteTokenStore(db, key=both).load() == PAIR
    assert await reseal_all(db, both) == {"resealed": 1, "current": 0, "unreadable": 0}
    assert await reseal_all(db, both) == {"resealed": 0, "current": 1, "unreadable": 0}
    assert await SqliteTokenStore(db, key=key(new)).load() == PAIR  # the old key may go
    with pytest.raises(AuthError):
        await SqliteTokenStore(db, key=key(old)).load()
    await db.close()


def test_rotate_key_command_reports_what_it_did(tmp_path, monkeypatch, capsys):
    import anyio

    config = write_config(tmp_path)
    old, new = new_key(), new_key()
    monkeypatch.setenv(ENV, old)

    async def store() -> None:
        db = await Database.open(tmp_path / "state" / "shopsync.db")
        await SqliteTokenStore(db).save(PAIR)
        await db.close()

    anyio.run(store)
    monkeypatch.setenv(ENV, f"{new}\n{old}")
    assert cli(["secrets", "rotate-key", "-c", str(config)]) == 0
    assert "1 resealed, 0 already current, 0 unreadable" in capsys.readouterr().out
    monkeypatch.setenv(ENV, new_key())
    assert cli(["secrets", "rotate-key", "-c", str(config)]) == 1
    assert "0 resealed, 0 already current, 1 unreadable" in capsys.readouterr().out
    assert cli(["secrets", "status", "-c", str(config)]) == 0
    assert "exact: sealed with key" in capsys.readouterr().out


def test_config_check_names_the_key_or_warns_that_there_is_none(tmp_path, monkeypatch, capsys):
    config = write_config(tmp_path)
    assert cli(["config", "check", "--offline", "-c", str(config)]) == 0
    assert "token key " in capsys.readouterr().out
    monkeypatch.delenv(ENV)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    assert cli(["config", "check", "--offline", "-c", str(config)]) == 0
    assert "warning: no token key" in capsys.readouterr().err


def test_a_malformed_key_is_refused_saying_how_to_make_one():
    with pytest.raises(Exception, match="shopsync secrets new-key"):
        TokenKey.parse("not-a-key", "credential token_key")
