"""Pay.'s GMS REST API v2 simulated over HTTP for tests, demos and `shopsync sandbox`."""

from .app import PaySandbox
from .settings import Settings

__all__ = ["PaySandbox", "Settings"]
