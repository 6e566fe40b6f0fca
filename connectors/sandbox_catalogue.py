"""One deterministic seeded catalogue that both sandboxes start from.

Shopify's SKUs are Exact's item codes and Shopify's locations are Exact's warehouses, so the
two simulators describe the same (fictional) merchant and a sync between them can be checked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Location:
    code: str  # Exact warehouse code; also used in YourRef
    name: str  # Shopify location name
    country: str


@dataclass(frozen=True)
class Product:
    sku: str  # = Exact item code
    title: str
    price: Decimal  # in the shop currency, tax included (the shop's setting below)
    vat_rate: Decimal  # domestic rate, e.g. Decimal("21")
    item_group: str


@dataclass(frozen=True)
class Customer:
    email: str
    first_name: str
    last_name: str
    company: str | None
    country: str
    vat_number: str | None


@dataclass(frozen=True)
class VatCode:
    code: str
    description: str
    percentage: Decimal  # 0.21 style fraction, as Exact stores it
    vat_type: str  # "domestic", "icp", "export", "oss", "zero"
    country: str | None = None


@dataclass(frozen=True)
class GLAccount:
    code: str
    description: str
    kind: str  # "balance" or "profit_loss"


@dataclass(frozen=True)
class Journal:
    code: str
    description: str
    kind: str  # "sales", "bank", "general"


@dataclass(frozen=True)
class Catalogue:
    shop_country: str
    currency: str
    timezone: str
    taxes_included: bool
    locations: tuple[Location, ...]
    products: tuple[Product, ...]
    customers: tuple[Customer, ...]
    # Starting stock per (sku, location code). Exact counts this as free stock; Shopify shows it
    # as `available`. Both sandboxes start equal, so a fresh demo begins in sync.
    stock: dict[tuple[str, str], int] = field(hash=False)
    vat_codes: tuple[VatCode, ...] = ()
    gl_accounts: tuple[GLAccount, ...] = ()
    journals: tuple[Journal, ...] = ()
    # Items the order flow books non-product lines to.
    service_items: tuple[Product, ...] = ()

    def product(self, sku: str) -> Product:
        for p in self.products:
            if p.sku == sku:
                return p
        raise KeyError(sku)


_ADJECTIVES = [
    "Linen",
    "Wool",
    "Cotton",
    "Oak",
    "Walnut",
    "Copper",
    "Ceramic",
    "Glass",
    "Cork",
    "Bamboo",
    "Felt",
    "Leather",
    "Marble",
    "Steel",
    "Rattan",
    "Clay",
]
_NOUNS = [
    "Mug",
    "Scarf",
    "Lamp",
    "Bowl",
    "Notebook",
    "Vase",
    "Cushion",
    "Tray",
    "Candle",
    "Throw",
    "Planter",
    "Coaster",
    "Basket",
    "Clock",
    "Bottle",
    "Apron",
]
_FIRST = ["Anna", "Bram", "Chloé", "Daan", "Emma", "Finn", "Greta", "Hugo", "Iris", "Jonas"]
_LAST = ["de Vries", "Jansen", "Peeters", "Müller", "Dubois", "Smit", "Bakker", "Schmidt"]

LOCATIONS = (
    Location("AMS", "Amsterdam warehouse", "NL"),
    Location("RTM", "Rotterdam store", "NL"),
    Location("ANR", "Antwerp warehouse", "BE"),
)

VAT_CODES = (
    VatCode("1", "NL high 21%", Decimal("0.21"), "domestic", "NL"),
    VatCode("2", "NL low 9%", Decimal("0.09"), "domestic", "NL"),
    VatCode("0", "Zero rate 0%", Decimal("0"), "zero", None),
    VatCode("ICP", "EU B2B reverse charge (ICP)", Decimal("0"), "icp", None),
    VatCode("EXP", "Export outside the EU", Decimal("0"), "export", None),
    VatCode("OSS-BE-21", "OSS Belgium 21%", Decimal("0.21"), "oss", "BE"),
    VatCode("OSS-BE-6", "OSS Belgium 6%", Decimal("0.06"), "oss", "BE"),
    VatCode("OSS-DE-19", "OSS Germany 19%", Decimal("0.19"), "oss", "DE"),
    VatCode("OSS-DE-7", "OSS Germany 7%", Decimal("0.07"), "oss", "DE"),
    VatCode("OSS-FR-20", "OSS France 20%", Decimal("0.20"), "oss", "FR"),
    VatCode("OSS-FR-5", "OSS France 5.5%", Decimal("0.055"), "oss", "FR"),
)

GL_ACCOUNTS = (
    GLAccount("1100", "Bank Shopify Payments", "balance"),
    GLAccount("1300", "Debtors", "balance"),
    GLAccount("1520", "VAT to reclaim", "balance"),
    GLAccount("1800", "Gift card liability", "balance"),
    GLAccount("1810", "Store credit liability", "balance"),
    GLAccount("1950", "Shopify reserves", "balance"),
    GLAccount("1960", "Disputes", "balance"),
    GLAccount("1990", "Unassigned receipts", "balance"),
    GLAccount("4500", "Payment costs", "profit_loss"),
    GLAccount("4600", "Marketing: store credit bonus", "profit_loss"),
    GLAccount("8000", "Revenue", "profit_loss"),
    GLAccount("8900", "Gift card breakage", "profit_loss"),
    GLAccount("8990", "Rounding differences", "profit_loss"),
)

JOURNALS = (
    Journal("70", "Sales", "sales"),
    Journal("20", "Shopify Payments", "bank"),
    Journal("21", "Shopify Payments USD", "bank"),  # payouts in a second currency
    Journal("22", "Pay.", "bank"),  # Pay. settlements
    Journal("90", "Memorial", "general"),
)

SERVICE_ITEMS = (
    Product("SHIPPING", "Shipping", Decimal("0"), Decimal("21"), "SERVICES"),
    Product("GIFTCARD", "Gift card (liability)", Decimal("0"), Decimal("0"), "SERVICES"),
    Product("TIP", "Tip", Decimal("0"), Decimal("0"), "SERVICES"),
    Product("ROUNDING", "Rounding difference", Decimal("0"), Decimal("0"), "SERVICES"),
)


def build_catalogue(seed: int = 1, products: int = 300, locations: int = 3) -> Catalogue:
    """The same seed and size always give the same catalogue, in both sandboxes.

    `locations` (1 to 3) keeps the first few locations: a one-warehouse merchant is common.
    """
    if not 1 <= locations <= len(LOCATIONS):
        raise ValueError(f"locations must be 1 to {len(LOCATIONS)}, not {locations}")
    kept = LOCATIONS[:locations]
    rng = random.Random(seed)
    items = []
    for i in range(1, products + 1):
        title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {i}"
        cents = rng.randrange(495, 19900, 5)
        rate = Decimal("9") if rng.random() < 0.2 else Decimal("21")
        group = "HOME" if rng.random() < 0.6 else "GIFTS"
        items.append(Product(f"SKU-{i:05d}", title, Decimal(cents) / 100, rate, group))
    stock = {(p.sku, loc.code): rng.randrange(0, 60) for p in items for loc in kept}
    customers = []
    for i in range(1, 21):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        country = rng.choice(["NL", "NL", "NL", "BE", "DE", "FR", "US"])
        company = f"{last} Interiors {i}" if i % 5 == 0 else None
        vat = f"{country}{rng.randrange(10**8, 10**9)}B01" if company and country != "US" else None
        customers.append(Customer(f"customer{i}@example.com", first, last, company, country, vat))
    return Catalogue(
        shop_country="NL",
        currency="EUR",
        timezone="Europe/Amsterdam",
        taxes_included=True,
        locations=kept,
        products=tuple(items),
        customers=tuple(customers),
        stock=stock,
        vat_codes=VAT_CODES,
        gl_accounts=GL_ACCOUNTS,
        journals=JOURNALS,
        service_items=SERVICE_ITEMS,
    )
