"""The business flows: one module per flow, each a pure plan plus a thin apply."""

from __future__ import annotations

from daemon.flows.selftest import run_selftest
from daemon.worker import Registry


def build_registry() -> Registry:
    """Every job kind this daemon knows, mapped to its handler."""
    registry = Registry()
    registry.register("selftest.sleep", run_selftest)
    return registry
