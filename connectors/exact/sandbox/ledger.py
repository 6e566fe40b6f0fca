"""Financial entries: BankEntries and GeneralJournalEntries (lines inline) and open receivables.

Fields from picqer/exact-php-client BankEntry.php / BankEntryLine.php (EntryID key, JournalCode,
OpeningBalanceFC, ClosingBalanceFC; lines with AmountFC, GLAccount, Account, OurRef = the
invoice number as Int32), GeneralJournalEntry.php and ReceivablesList.php
(`read/financial/ReceivablesList`, key HID). A bank entry must close at opening + lines; a
journal entry's lines must sum to zero.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .jsonio import ApiError, parse_date
from .store import Row, Store, new_guid
from .validation import decimal_field, reference, reject_unknown, required, vat_code

BANK_FIELDS = (
    "EntryID",
    "EntryNumber",
    "JournalCode",
    "JournalDescription",
    "Currency",
    "OpeningBalanceFC",
    "ClosingBalanceFC",
    "FinancialPeriod",
    "FinancialYear",
    "Status",
    "StatusDescription",
    "BankEntryLines",
    "Division",
    "Created",
    "Modified",
)
BANK_LINE_FIELDS = (
    "ID",
    "EntryID",
    "LineNumber",
    "Date",
    "AmountFC",
    "AmountDC",
    "GLAccount",
    "GLAccountCode",
    "Account",
    "AccountCode",
    "OurRef",
    "Description",
    "VATCode",
    "Division",
)
JOURNAL_ENTRY_FIELDS = (
    "EntryID",
    "EntryNumber",
    "JournalCode",
    "JournalDescription",
    "Currency",
    "Date",
    "FinancialPeriod",
    "FinancialYear",
    "Status",
    "StatusDescription",
    "GeneralJournalEntryLines",
    "Division",
    "Created",
    "Modified",
)
JOURNAL_LINE_FIELDS = (
    "ID",
    "EntryID",
    "LineNumber",
    "Date",
    "AmountFC",
    "AmountDC",
    "GLAccount",
    "GLAccountCode",
    "Account",
    "AccountCode",
    "OurRef",
    "Description",
    "VATCode",
    "Division",
)
RECEIVABLE_FIELDS = (
    "HID",
    "AccountId",
    "AccountCode",
    "AccountName",
    "Amount",
    "AmountInTransit",
    "CurrencyCode",
    "Description",
    "DueDate",
    "EntryNumber",
    "InvoiceDate",
    "InvoiceNumber",
    "JournalCode",
    "JournalDescription",
    "YourRef",
)


def _journal(store: Store, body: dict[str, Any], journal_type: int, what: str) -> Row:
    code = str(required(body, "JournalCode")).strip()
    journal = store.find("financial/Journals", "Code", code)
    if journal is None or journal["Type"] != journal_type:
        raise ApiError(400, f"Invalid journal: {code} is not a {what} journal.")
    return journal


def _entry_lines(
    store: Store,
    body: dict[str, Any],
    name: str,
    allowed: tuple[str, ...],
    kind: str,
    entry_id: str,
) -> list[Row]:
    raw_lines = body.get(name)
    if isinstance(raw_lines, dict):
        raw_lines = raw_lines.get("results")
    if not raw_lines or not isinstance(raw_lines, list):
        raise ApiError(400, f"Mandatory: {name}")
    lines = []
    for n, raw in enumerate(raw_lines, 1):
        reject_unknown(raw, allowed, kind)
        gl = reference(store, "financial/GLAccounts", raw, "GLAccount")
        assert gl is not None
        account = reference(store, "crm/Accounts", raw, "Account", mandatory=False)
        amount = decimal_field(raw, "AmountFC")
        vat = vat_code(store, raw["VATCode"], account)["Code"] if raw.get("VATCode") else None
        our_ref = raw.get("OurRef")
        if our_ref is not None and not isinstance(our_ref, int):
            raise ApiError(
                400, f"Error converting value '{our_ref}' to type 'Edm.Int32' for 'OurRef'."
            )
        lines.append(
            {
                "ID": new_guid(),
                "EntryID": entry_id,
                "LineNumber": n,
                "Date": parse_date(required(raw, "Date"), "Date", store.rules.offset_dates),
                "AmountFC": amount,
                "AmountDC": amount,
                "GLAccount": gl["ID"],
                "GLAccountCode": gl["Code"],
                "Account": account["ID"] if account else None,
                "AccountCode": account["Code"] if account else None,
                "OurRef": our_ref,
                "Description": raw.get("Description"),
                "VATCode": vat,
                "Division": store.division,
            }
        )
    return lines


def _period(store: Store, lines: list[Row]) -> dict[str, int]:
    first = min(ln["Date"] for ln in lines)
    return {"FinancialYear": first.year, "FinancialPeriod": first.month}


def last_closing_balance(store: Store, journal_code: str) -> Decimal:
    """ClosingBalanceFC of the journal's newest bank entry (0 for an empty journal)."""
    entries = [
        e
        for e in store.table("financialtransaction/BankEntries").values()
        if e["JournalCode"] == journal_code
    ]
    if not entries:
        return Decimal(0)
    return max(entries, key=lambda e: e["EntryNumber"])["ClosingBalanceFC"]


def create_bank_entry(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, BANK_FIELDS, "BankEntry")
    journal = _journal(store, body, 12, "bank")
    entry_id = new_guid()
    lines = _entry_lines(store, body, "BankEntryLines", BANK_LINE_FIELDS, "BankEntryLine", entry_id)
    total = sum((ln["AmountFC"] for ln in lines), Decimal(0))
    opening = decimal_field(body, "OpeningBalanceFC", Decimal(0))
    closing = decimal_field(body, "ClosingBalanceFC", opening + total)
    previous = last_closing_balance(store, journal["Code"])
    if opening != previous:
        # The contract's BankEntries rule (Elmas bank_entry.rb: "the opening balance should be
        # the end balance of the previous entry"): statements chain per bank journal.
        raise ApiError(
            400,
            f"The opening balance {opening} does not equal the closing balance {previous} of "
            f"the previous entry in journal {journal['Code']}.",
        )
    if opening + total != closing:
        raise ApiError(
            400,
            f"The closing balance {closing} does not equal the opening balance {opening} plus "
            f"the lines {total}.",
        )
    entry = {f: None for f in BANK_FIELDS} | store.base_row() | _period(store, lines)
    entry.update(
        EntryID=entry_id,
        EntryNumber=store.next_number("entry", 20_000_001),
        JournalCode=journal["Code"],
        JournalDescription=journal["Description"],
        Currency=body.get("Currency") or store.catalogue.currency,
        OpeningBalanceFC=opening,
        ClosingBalanceFC=closing,
        Status=20,
        StatusDescription="Open",
        BankEntryLines=lines,
    )
    store.table("financialtransaction/BankEntries")[entry_id] = entry
    return entry


def create_journal_entry(store: Store, body: dict[str, Any]) -> Row:
    reject_unknown(body, JOURNAL_ENTRY_FIELDS, "GeneralJournalEntry")
    journal = _journal(store, body, 90, "general")
    entry_id = new_guid()
    lines = _entry_lines(
        store,
        body,
        "GeneralJournalEntryLines",
        JOURNAL_LINE_FIELDS,
        "GeneralJournalEntryLine",
        entry_id,
    )
    total = sum((ln["AmountFC"] for ln in lines), Decimal(0))
    if total != 0:
        raise ApiError(400, f"The entry is not in balance: the lines add up to {total}.")
    entry = {f: None for f in JOURNAL_ENTRY_FIELDS} | store.base_row() | _period(store, lines)
    entry.update(
        EntryID=entry_id,
        EntryNumber=store.next_number("entry", 20_000_001),
        JournalCode=journal["Code"],
        JournalDescription=journal["Description"],
        Currency=body.get("Currency") or store.catalogue.currency,
        Date=lines[0]["Date"],
        Status=20,
        StatusDescription="Open",
        GeneralJournalEntryLines=lines,
    )
    store.table("generaljournalentry/GeneralJournalEntries")[entry_id] = entry
    return entry


def receivables(store: Store) -> list[Row]:
    """Open amounts per invoice: invoice total minus bank lines matched by Account + OurRef."""
    paid: dict[tuple[str | None, int], Decimal] = {}
    for entry in store.table("financialtransaction/BankEntries").values():
        for ln in entry["BankEntryLines"]:
            if ln["OurRef"] is not None:
                key = (ln["Account"], ln["OurRef"])
                # A receipt is a positive bank amount that lowers the receivable.
                paid[key] = paid.get(key, Decimal(0)) + ln["AmountFC"]
    journals = {j["Code"]: j for j in store.table("financial/Journals").values()}
    rows = []
    for inv in store.table("salesinvoice/SalesInvoices").values():
        outstanding = inv["AmountFC"] - paid.get(
            (inv["OrderedBy"], inv["InvoiceNumber"]), Decimal(0)
        )
        if outstanding == 0:
            continue
        account = store.get("crm/Accounts", inv["OrderedBy"]) or {}
        rows.append(
            {
                "HID": inv["InvoiceNumber"],
                "AccountId": inv["OrderedBy"],
                "AccountCode": account.get("Code"),
                "AccountName": account.get("Name"),
                "Amount": outstanding,
                "AmountInTransit": Decimal(0),
                "CurrencyCode": inv["Currency"],
                "Description": inv["Description"],
                "DueDate": inv["DueDate"],
                "EntryNumber": inv["InvoiceNumber"],
                "InvoiceDate": inv["InvoiceDate"],
                "InvoiceNumber": inv["InvoiceNumber"],
                "JournalCode": inv["Journal"],
                "JournalDescription": journals.get(inv["Journal"], {}).get("Description"),
                "YourRef": inv["YourRef"],
            }
        )
    return rows
