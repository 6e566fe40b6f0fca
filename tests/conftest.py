"""Shared fixtures. asyncio is the anyio backend: aiosqlite, aiosmtplib and Textual need it."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _fresh_structlog():
    """A test that configures logging (level, stream) must not change what the next one sees."""
    import structlog

    yield
    structlog.reset_defaults()
