"""CCV's `{code, status, developermessage}` answers sorted into our error kinds."""

from __future__ import annotations

import httpx
import pytest

from connectors.ccvshop.errors import error_for
from connectors.errors import AuthError, PermanentError, RateLimited, TransientError


def answer(status: int, code: str, message: str = "words", **headers: str) -> httpx.Response:
    body = {"code": code, "status": status, "developermessage": message}
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (401, "401.90", AuthError),
        (403, "403.90", AuthError),
        (429, "429.10", RateLimited),
        (429, "429.11", RateLimited),
        (500, "500.00", TransientError),  # an internal error: try again
        (500, "500.10", TransientError),  # "unknown rate limit"
        (500, "500.90", PermanentError),  # "required app not installed": no retry helps
        (500, "500.40", PermanentError),  # "property already exists"
        (501, "501.30", PermanentError),  # "resource read-only"
        (404, "404.20", PermanentError),
        (400, "400.90", PermanentError),
        (502, "", TransientError),
    ],
)
def test_each_answer_becomes_the_right_kind(status, code, kind):
    error = error_for(answer(status, code))
    assert type(error) is kind
    assert error.status == status and "words" in str(error)


def test_a_429_waits_a_minute_unless_ccv_says_otherwise():
    assert error_for(answer(429, "429.10")).retry_after == 60.0
    assert error_for(answer(429, "429.10", **{"Retry-After": "7"})).retry_after == 7.0


def test_the_field_ccv_names_is_kept():
    error = error_for(answer(400, "400.90", "The property 'stok' is not allowed for products."))
    assert error.field == "stok"


def test_an_answer_without_ccvs_body_keeps_its_text():
    error = error_for(httpx.Response(503, text="Service Unavailable"))
    assert isinstance(error, TransientError) and "Service Unavailable" in str(error)
