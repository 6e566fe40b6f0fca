"""Writable CRM entities (Accounts, Contacts, Addresses) and webhook subscriptions.

Field names follow picqer/exact-php-client's entity classes (Account.php, Contact.php,
Address.php, WebhookSubscription.php), which mirror Exact's REST reference pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .jsonio import ApiError
from .store import Row, Store, new_guid
from .validation import reference, reject_unknown, required

ACCOUNT_FIELDS = (
    "ID",
    "Code",
    "Name",
    "Email",
    "Phone",
    "VATNumber",
    "Country",
    "AddressLine1",
    "AddressLine2",
    "Postcode",
    "City",
    "State",  # the contract's crm/Accounts field (a state/province code)
    "IsSales",
    "Status",
    "SearchCode",
    "ChamberOfCommerce",
    "Language",
    "Division",
    "Created",
    "Modified",
)
CONTACT_FIELDS = (
    "ID",
    "Account",
    "AccountName",
    "FirstName",
    "LastName",
    "FullName",
    "Email",
    "Phone",
    "BusinessEmail",
    "Division",
    "Created",
    "Modified",
)
ADDRESS_FIELDS = (
    "ID",
    "Account",
    "AccountName",
    "Type",
    "Main",
    "AddressLine1",
    "AddressLine2",
    "City",
    "Postcode",
    "Country",
    "Division",
    "Created",
    "Modified",
)
WEBHOOK_FIELDS = (
    "ID",
    "CallbackURL",
    "Topic",
    "ClientID",
    "Description",
    "Division",
    "Created",
    "Creator",
)
# Topics from WebhookSubscription.php ("e.g.: FinancialTransactions, Items, StockPositions") and
# Exact's topic list; the sandbox emits Accounts, Contacts, Addresses, SalesOrders,
# GoodsDeliveries, SalesInvoices, StockPositions and FinancialTransactions.
TOPICS = frozenset(
    {
        "Accounts",
        "Addresses",
        "BankAccounts",
        "Contacts",
        "CostTransactions",
        "Documents",
        "FinancialTransactions",
        "GoodsDeliveries",
        "Items",
        "PurchaseOrders",
        "Quotations",
        "SalesInvoices",
        "SalesOrders",
        "StockPositions",
        "TimeTransactions",
    }
)
_READ_ONLY = {
    "ID",
    "Division",
    "Created",
    "Modified",
    "AccountName",
    "FullName",
    "Creator",
    "ClientID",
}


def _writable(body: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in fields and k not in _READ_ONLY}


def account_code(value: Any) -> str:
    """Exact keeps account codes as 18-character numeric strings with leading spaces, and a
    $filter must carry the spaces (Exact's Accounts reference, quoted in
    picqer/exact-php-client#129: "fixed length numeric string with leading spaces, length 18").
    """
    text = str(value).strip()
    if not text or len(text) > 18:
        raise ApiError(400, f"Invalid value for Code: '{text}' (at most 18 characters).")
    # Exact documents the code as numeric; non-numeric input is padded, not refused (unverified).
    return text.rjust(18)


def create_account(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, ACCOUNT_FIELDS, "Account")
    required(body, "Name")
    code = account_code(body.get("Code") or store.next_number("account", 1))
    if store.find("crm/Accounts", "Code", code):
        raise ApiError(400, f"Code {code.strip()} already exists.")
    row = {f: None for f in ACCOUNT_FIELDS} | store.base_row() | _writable(body, ACCOUNT_FIELDS)
    row.update(
        ID=new_guid(),
        Code=code,
        Status=body.get("Status") or "C",
        IsSales=body.get("IsSales", True),
    )
    store.table("crm/Accounts")[row["ID"]] = row
    return row


def update_account(store: Store, row: Row, body: dict[str, Any]) -> None:
    reject_unknown(body, ACCOUNT_FIELDS, "Account")
    if "Name" in body:
        required(body, "Name")
    changes = _writable(body, ACCOUNT_FIELDS)
    if body.get("Code") is not None:
        changes["Code"] = code = account_code(body["Code"])
        if code != row["Code"] and store.find("crm/Accounts", "Code", code):
            raise ApiError(400, f"Code {code.strip()} already exists.")
    row.update(changes)
    row["Modified"] = store.clock.now_dt()


def create_contact(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, CONTACT_FIELDS, "Contact")
    account = reference(store, "crm/Accounts", body, "Account")
    assert account is not None
    # A name (FirstName and/or LastName) is the contract's one_of, checked before we get here.
    row = {f: None for f in CONTACT_FIELDS} | store.base_row() | _writable(body, CONTACT_FIELDS)
    row.update(
        ID=new_guid(),
        Account=account["ID"],
        AccountName=account["Name"],
        FullName=" ".join(p for p in (body.get("FirstName"), body.get("LastName")) if p),
    )
    store.table("crm/Contacts")[row["ID"]] = row
    return row


def update_contact(store: Store, row: Row, body: dict[str, Any]) -> None:
    reject_unknown(body, CONTACT_FIELDS, "Contact")
    if "Account" in body:
        reference(store, "crm/Accounts", body, "Account")
    row.update(_writable(body, CONTACT_FIELDS))
    row["FullName"] = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
    row["Modified"] = store.clock.now_dt()


def create_address(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, ADDRESS_FIELDS, "Address")
    account = reference(store, "crm/Accounts", body, "Account")
    assert account is not None
    kind = required(body, "Type")
    if kind not in (1, 2, 3, 4):  # 1 visit, 2 postal, 3 invoice, 4 delivery (Address.php)
        raise ApiError(400, f"Invalid value for Type: {kind}")
    row = {f: None for f in ADDRESS_FIELDS} | store.base_row() | _writable(body, ADDRESS_FIELDS)
    row.update(ID=new_guid(), Account=account["ID"], AccountName=account["Name"])
    store.table("crm/Addresses")[row["ID"]] = row
    return row


def update_address(store: Store, row: Row, body: dict[str, Any]) -> None:
    reject_unknown(body, ADDRESS_FIELDS, "Address")
    row.update(_writable(body, ADDRESS_FIELDS))
    row["Modified"] = store.clock.now_dt()


def check_callback(store: Store, url: str) -> None:
    """Exact's callback rules (contract webhooks/WebhookSubscriptions; both are sandbox rules).

    https only (pionect.nl, "Using webhooks from Exact": webhooks need SSL); the host must be
    the app's redirect URI host (Exact's API notes; unverified, so `webhook_same_host`).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ApiError(400, "CallbackURL must be an absolute URL.")
    if store.rules.webhook_https and parts.scheme != "https":
        raise ApiError(400, "CallbackURL must use https.")
    if store.rules.webhook_same_host:
        redirect = urlsplit(store.app_redirect_uri or "").hostname
        if redirect is None or redirect.lower() != parts.hostname.lower():
            raise ApiError(
                400,
                f"CallbackURL must be on the domain of the app's redirect URI ({redirect}).",
            )


def create_webhook(store: Store, body: dict[str, Any], client_id: str) -> Row:
    reject_unknown(body, WEBHOOK_FIELDS, "WebhookSubscription")
    url = required(body, "CallbackURL")
    topic = required(body, "Topic")
    if topic not in TOPICS:
        raise ApiError(400, f"Invalid topic: {topic}")
    check_callback(store, str(url))
    for existing in store.table("webhooks/WebhookSubscriptions").values():
        if existing["Topic"] == topic and existing["CallbackURL"] == url:
            raise ApiError(400, "Subscription already exists.")
    row = {f: None for f in WEBHOOK_FIELDS} | store.base_row()
    row.update(
        ID=new_guid(),
        CallbackURL=url,
        Topic=topic,
        ClientID=client_id,
        Description=body.get("Description"),
    )
    row.pop("Modified", None)
    store.table("webhooks/WebhookSubscriptions")[row["ID"]] = row
    return row
