"""A CCV Shop webshop simulated over HTTP for tests, demos and `shopsync sandbox`."""

from .app import CcvShopSandbox
from .settings import Faults, Settings

__all__ = ["CcvShopSandbox", "Faults", "Settings"]
