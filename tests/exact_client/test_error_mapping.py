"""Exact's answers map to the error vocabulary with Exact's own words and an operator hint."""

import json

import httpx

from connectors.errors import AuthError, PermanentError, RateLimited, TransientError
from connectors.exact.errors import error_for_exception, error_for_response


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    request = httpx.Request("POST", "https://start.exactonline.nl/api/v1/1/crm/Accounts")
    return httpx.Response(status, content=body, headers=headers or {}, request=request)


def exact_body(text: str) -> bytes:
    return json.dumps({"error": {"code": "", "message": {"lang": "", "value": text}}}).encode()


def test_validation_error_keeps_exacts_message_and_names_the_field():
    err = error_for_response(answer(400, exact_body("Mandatory: Name")), endpoint="crm/Accounts")
    assert isinstance(err, PermanentError)
    assert err.message == "Mandatory: Name"
    assert err.field == "Name"
    assert err.status == 400 and err.hint


def test_forbidden_for_one_endpoint_is_permanent_but_blocked_user_pauses():
    err = error_for_response(answer(403, exact_body("Forbidden")), endpoint="crm/Accounts")
    assert type(err) is PermanentError
    blocked = error_for_response(
        answer(403, exact_body("Forbidden"), {"Reason": "LicenseExpired"}), endpoint="x/Y"
    )
    assert isinstance(blocked, AuthError)
    assert "LicenseExpired" in blocked.message


def test_not_found_unauthorized_rate_limit_and_server_errors():
    assert type(error_for_response(answer(404), endpoint="a/B")) is PermanentError
    assert isinstance(error_for_response(answer(401), endpoint="a/B"), AuthError)
    limited = error_for_response(
        answer(
            429,
            exact_body("Too many"),
            {"X-RateLimit-Minutely-Remaining": "0", "X-RateLimit-Minutely-Reset": "0"},
        ),
        endpoint="a/B",
    )
    assert isinstance(limited, RateLimited) and limited.retry_after == 0
    assert type(error_for_response(answer(503), endpoint="a/B")) is TransientError


def test_network_failures_are_transient_and_name_no_url():
    request = httpx.Request("GET", "https://start.exactonline.nl/api/v1/1/a/B?$filter=secret")
    err = error_for_exception(httpx.ReadTimeout("t", request=request), method="GET", endpoint="a/B")
    assert isinstance(err, TransientError)
    assert "timed out" in err.message and "secret" not in str(err)


def test_lost_answer_to_a_write_warns_that_exact_may_have_applied_it():
    request = httpx.Request("POST", "https://start.exactonline.nl/api/v1/1/salesorder/SalesOrders")
    err = error_for_exception(
        httpx.ReadError("reset", request=request), method="POST", endpoint="salesorder/SalesOrders"
    )
    assert isinstance(err, TransientError)
    assert "dropped" in err.message and "YourRef" in err.hint
