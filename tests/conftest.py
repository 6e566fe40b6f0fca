"""Shared fixtures: asyncio is fixed as the anyio backend (aiosqlite, aiosmtplib, Textual need it)."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
