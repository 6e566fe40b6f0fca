"""A webhook is believed only if its HMAC matches the raw body and our secret."""

import base64
import hashlib
import hmac
import json

from connectors.shopify.webhooks import enum_topic, header_topic, sign_webhook, verify_webhook

SECRET = "shpss_test_secret"
BODY = json.dumps({"id": 820982911946154508, "updated_at": "2026-11-22T11:00:00+01:00"}).encode()


def shopify_signature(body: bytes, secret: str) -> str:
    # Independent of our helper: the recipe from shopify.dev, spelled out.
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_valid_signature_is_accepted():
    assert verify_webhook(BODY, shopify_signature(BODY, SECRET), SECRET)
    assert sign_webhook(BODY, SECRET) == shopify_signature(BODY, SECRET)


def test_tampered_body_is_rejected():
    header = shopify_signature(BODY, SECRET)
    assert not verify_webhook(BODY.replace(b"820", b"821"), header, SECRET)


def test_reserialised_body_is_rejected():
    # Parsing and re-dumping changes bytes (spacing): only the raw body may be verified.
    header = shopify_signature(BODY, SECRET)
    compact = json.dumps(json.loads(BODY), separators=(",", ":")).encode()
    assert not verify_webhook(compact, header, SECRET)


def test_wrong_secret_is_rejected():
    assert not verify_webhook(BODY, shopify_signature(BODY, "another_secret"), SECRET)


def test_missing_or_garbage_header_is_rejected():
    assert not verify_webhook(BODY, None, SECRET)
    assert not verify_webhook(BODY, "", SECRET)
    assert not verify_webhook(BODY, "not-base64-at-all-é", SECRET)


def test_empty_secret_never_verifies():
    assert not verify_webhook(BODY, shopify_signature(BODY, ""), "")


def test_topics_convert_between_header_and_enum_spelling():
    assert header_topic("ORDERS_CREATE") == "orders/create"
    assert header_topic("INVENTORY_LEVELS_UPDATE") == "inventory_levels/update"
    assert header_topic("INVENTORY_LEVELS_UPDATE") == "inventory_levels/update"
    assert enum_topic("bulk_operations/finish") == "BULK_OPERATIONS_FINISH"
