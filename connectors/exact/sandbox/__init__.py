"""A faithful Exact Online REST simulator over real HTTP, for the demo, the tests and benchmarks.

    sandbox = ExactSandbox(build_catalogue(), client_id=..., client_secret=...,
                           webhook_secret=..., time_scale=1.0)
    async with running_server(sandbox.app, lifespan="on") as base_url: ...

Authorisation has no login page: `GET /api/oauth2/auth` redirects straight back with a code.
The control routes under `/_sandbox/exact/` are listed in `control.py`.
"""

from .app import ExactSandbox
from .webhooks import sign as sign_webhook

__all__ = ["ExactSandbox", "sign_webhook"]
