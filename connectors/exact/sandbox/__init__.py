"""A faithful Exact Online REST simulator over real HTTP, for the demo, the tests and benchmarks.

    sandbox = ExactSandbox(build_catalogue(), client_id=..., client_secret=...,
                           webhook_secret=..., time_scale=1.0)
    async with running_server(sandbox.app, lifespan="on") as base_url: ...

Serve it with the lifespan on: webhook delivery runs there (with it off, notifications queue up
undelivered). Authorisation has no login page: `GET /api/oauth2/auth` redirects straight back
with a code. `time_scale` speeds Exact time up; `expires_in` and the reset headers are given in
wall time, so keep access_token_ttl / time_scale well above one second.
The control routes under `/_sandbox/exact/` are listed in `control.py`.
"""

from .app import ExactSandbox
from .webhooks import sign as sign_webhook

__all__ = ["ExactSandbox", "sign_webhook"]
