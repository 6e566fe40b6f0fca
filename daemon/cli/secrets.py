"""`shopsync secrets new-key | rotate-key | status`: the key that seals API tokens at rest."""

from __future__ import annotations

import argparse
from typing import Any

import anyio

from daemon.config import load_settings


def cmd_new_key(_args: argparse.Namespace) -> int:
    from state.secrets import new_key

    print(new_key())
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Seal every stored token with the first key of the token key (see README: secrets)."""
    from state.db import Database
    from state.secrets import find_key
    from state.tokens import reseal_all

    settings = load_settings(args.config)
    path = settings.daemon.database_path
    key = find_key(path)

    async def main() -> dict[str, int]:
        db = await Database.open(path)
        try:
            return await reseal_all(db, key)
        finally:
            await db.close()

    counts = anyio.run(main)
    print(
        f"tokens sealed with key {key.fingerprint} ({key.source}): {counts['resealed']} resealed,"
        f" {counts['current']} already current, {counts['unreadable']} unreadable"
    )
    if counts["unreadable"]:
        print(
            "unreadable tokens were sealed with a key this token key file does not hold:"
            " add that key as a further line, or re-authorise (shopsync auth exact)."
        )
        return 1
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from state.db import Database
    from state.secrets import NoTokenKey, find_key, is_sealed

    settings = load_settings(args.config)
    path = settings.daemon.database_path
    try:
        key = find_key(path)
        print(f"token key {key.fingerprint} from {key.source} ({len(key.keys)} key(s))")
    except NoTokenKey as exc:
        key = None
        print(str(exc))

    async def main() -> list[Any]:
        db = await Database.open(path)
        try:
            return await db.fetchall("SELECT name, data FROM tokens ORDER BY name")
        finally:
            await db.close()

    for name, data in anyio.run(main):
        if not is_sealed(data):
            state = "IN CLEAR TEXT (run shopsync secrets rotate-key)"
        elif key is not None and key.is_current(data):
            state = "sealed with the current key"
        else:
            state = f"sealed with key {data.split(':')[1]}"
        print(f"  {name}: {state}")
    return 0


def add_secrets_commands(sub: Any, add: Any) -> None:
    secrets = sub.add_parser("secrets", help="the key that seals API tokens").add_subparsers(
        dest="secrets_command", required=True, metavar="ACTION"
    )
    add("new-key", cmd_new_key, "print a fresh token key", config=False, parent=secrets)
    add(
        "rotate-key",
        cmd_rotate_key,
        "seal every stored token with the first key of the token key file",
        parent=secrets,
    )
    add("status", cmd_status, "which key seals each stored token", parent=secrets)
