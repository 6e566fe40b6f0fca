"""Shared fixtures. asyncio is the anyio backend: aiosqlite, aiosmtplib and Textual need it."""

import os

import pytest

# API tokens are sealed at rest (state/secrets.py): every test, and every daemon process a test
# starts (they inherit the environment), uses this throwaway key unless it sets its own.
TEST_TOKEN_KEY = "dGVzdC1vbmx5IHRva2VuIGtleSwgMzIgYnl0ZXMgISE="
os.environ.setdefault("SHOPSYNC_TOKEN_KEY", TEST_TOKEN_KEY)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _fresh_structlog():
    """A test that configures logging (level, stream) must not change what the next one sees."""
    import structlog

    yield
    structlog.reset_defaults()
