"""Console fixtures: the control API's real app on a Unix socket (shared with tests/control)."""

from tests.control.conftest import control  # noqa: F401  (a fixture, re-exported)
