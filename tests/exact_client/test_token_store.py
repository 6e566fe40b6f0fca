"""The token file survives restarts, is private to its owner and is replaced atomically."""

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from connectors.exact.tokens import FileTokenStore, TokenSet

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _tokens(n: int = 1) -> TokenSet:
    return TokenSet(
        access_token=f"access-{n}",
        refresh_token=f"refresh-{n}",
        expires_at=NOW + timedelta(seconds=600),
        obtained_at=NOW,
    )


@pytest.mark.anyio
async def test_saved_tokens_load_back_after_restart(tmp_path):
    path = tmp_path / "state" / "exact-tokens.json"
    await FileTokenStore(path).save(_tokens(1))
    await FileTokenStore(path).save(_tokens(2).marked_in_flight(NOW))
    loaded = await FileTokenStore(path).load()
    assert loaded == _tokens(2).marked_in_flight(NOW)
    assert loaded.expires_at.tzinfo is not None


@pytest.mark.anyio
async def test_token_file_is_owner_only_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "exact-tokens.json"
    await FileTokenStore(path).save(_tokens())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["exact-tokens.json"]


@pytest.mark.anyio
async def test_missing_file_means_not_authorized_yet(tmp_path):
    assert await FileTokenStore(tmp_path / "none.json").load() is None


def test_tokens_never_show_in_repr():
    text = repr(_tokens())
    assert "access-1" not in text and "refresh-1" not in text
