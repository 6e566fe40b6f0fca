"""Serve the Shopify sandbox alone: `python -m connectors.shopify.sandbox --port 8081`.

The access token and webhook secret come from SHOPIFY_SANDBOX_TOKEN and SHOPIFY_SANDBOX_SECRET
(environment, not arguments, so they stay out of `ps`); demo values are used when unset.
"""

from __future__ import annotations

import argparse
import os

import anyio

from connectors.sandbox_catalogue import build_catalogue
from connectors.shopify.sandbox.app import ShopifySandbox
from daemon.serving import make_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--bucket-size", type=int, default=1000)
    parser.add_argument("--restore-rate", type=float, default=100.0)
    args = parser.parse_args()
    sandbox = ShopifySandbox(
        build_catalogue(seed=args.seed, products=args.products),
        access_token=os.environ.get("SHOPIFY_SANDBOX_TOKEN", "shpat_sandbox"),
        webhook_secret=os.environ.get("SHOPIFY_SANDBOX_SECRET", "sandbox_secret"),
        bucket_size=args.bucket_size,
        restore_rate=args.restore_rate,
        time_scale=args.time_scale,
        seed=args.seed,
    )
    server = make_server(sandbox.app, host=args.host, port=args.port, lifespan="on")
    print(
        f"Shopify sandbox on http://{args.host}:{args.port}/admin/api/"
        f"{sandbox.api_version}/graphql.json (control: /_sandbox/shopify/state)"
    )
    anyio.run(server.serve)


if __name__ == "__main__":
    main()
