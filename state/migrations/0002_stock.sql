-- Stock sync: what Exact says, what is waiting to be pushed, what Shopify has from us.

CREATE TABLE stock_levels (          -- the newest Exact figures, per item and warehouse
    sku        TEXT NOT NULL,
    warehouse  TEXT NOT NULL,
    free       TEXT NOT NULL,         -- Decimal as text: Exact quantities may be fractional
    in_stock   TEXT NOT NULL,
    planned    TEXT NOT NULL,
    exact_ts   INTEGER NOT NULL,      -- Exact's row version
    changed_at REAL NOT NULL,         -- when we learned of the change (latency is measured from it)
    PRIMARY KEY (sku, warehouse)
);

CREATE TABLE stock_dirty (           -- SKU+location whose Shopify quantity may be wrong
    sku       TEXT NOT NULL,
    location  TEXT NOT NULL,          -- Shopify location name
    since     REAL NOT NULL,
    PRIMARY KEY (sku, location)
);

CREATE TABLE stock_pushed (          -- what Shopify has from us: the compare-and-set base
    sku       TEXT NOT NULL,
    location  TEXT NOT NULL,
    quantity  INTEGER NOT NULL,
    pushed_at REAL NOT NULL,
    PRIMARY KEY (sku, location)
);

CREATE TABLE stock_holds (           -- units sold in Shopify that Exact does not know of yet
    order_id  TEXT NOT NULL,
    sku       TEXT NOT NULL,
    location  TEXT NOT NULL,
    quantity  INTEGER NOT NULL,
    PRIMARY KEY (order_id, sku, location)
);

CREATE TABLE stock_problems (        -- SKUs on one side only, rejected quantities: reported once
    sku        TEXT NOT NULL,
    location   TEXT NOT NULL,
    problem    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    first_seen REAL NOT NULL,
    last_seen  REAL NOT NULL,
    PRIMARY KEY (sku, location, problem)
);
