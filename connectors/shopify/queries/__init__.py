"""Every GraphQL document shopsync sends to Shopify, one `.graphql` file each, loaded by name."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_query(name: str) -> str:
    """The text of `queries/<name>.graphql`; KeyError if there is no such file."""
    path = resources.files(__name__).joinpath(f"{name}.graphql")
    if not path.is_file():
        raise KeyError(f"no Shopify query named {name!r}")
    return path.read_text(encoding="utf-8")


def query_names() -> list[str]:
    """All query names, sorted (used by the test that validates each against the schema)."""
    return sorted(
        p.name.removesuffix(".graphql")
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(".graphql")
    )
