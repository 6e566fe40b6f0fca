"""Shared fixtures. asyncio is the anyio backend: aiosqlite, aiosmtplib and Textual need it."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
