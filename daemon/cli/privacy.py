"""`shopsync privacy erase --email ADDRESS | --customer-id ID`: a customer out of the database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import anyio

from daemon.config import load_settings


def cmd_privacy_erase(args: argparse.Namespace) -> int:
    from state.db import Database
    from state.privacy import Subject, erase

    if not (args.email or args.customer_id):
        print("shopsync: give --email ADDRESS or --customer-id ID (or both)", file=sys.stderr)
        return 2
    settings = load_settings(args.config)
    path = settings.daemon.database_path
    subject = Subject(
        emails={e.strip().lower() for e in args.email or [] if e.strip()},
        customer_ids={_customer_id(c) for c in args.customer_id or []},
    )

    async def main() -> dict[str, Any]:
        db = await Database.open(path)
        try:
            return await erase(db, subject)
        finally:
            await db.close()

    counts = anyio.run(main)
    print("erased: " + ", ".join(f"{t} {n}" for t, n in counts.items() if t != "wal_emptied"))
    print("kept: links from Shopify orders, refunds and payouts to their Exact documents")
    backups = sorted(p.name for p in path.parent.glob(f"{path.name}.*.bak"))
    if backups:
        print(f"not touched: {len(backups)} migration backup(s) in {path.parent} ({backups[0]} …);")
        print("  delete them once they are no longer needed, as any `shopsync db backup` copy")
    if not counts["wal_emptied"]:
        print("the daemon held old pages in the WAL: run the command again when it is idle")
        return 1
    return 0


def _customer_id(text: str) -> int:
    tail = text.strip().rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise SystemExit(f"shopsync: --customer-id {text!r} is not a Shopify customer id")
    return int(tail)


def add_privacy_commands(sub: Any, add: Any) -> None:
    privacy = sub.add_parser("privacy", help="customers' personal data").add_subparsers(
        dest="privacy_command", required=True, metavar="ACTION"
    )
    erase = add(
        "erase",
        cmd_privacy_erase,
        "erase a customer's personal data from receipts, jobs, logs and links; report counts",
        parent=privacy,
    )
    erase.add_argument("--email", action="append", help="the customer's email (repeatable)")
    erase.add_argument(
        "--customer-id", action="append", help="Shopify customer id or gid (repeatable)"
    )
