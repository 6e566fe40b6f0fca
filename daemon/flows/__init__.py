"""The business flows: one module per flow, each a pure plan plus a thin apply."""
