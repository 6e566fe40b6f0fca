-- The durable queue and everything else that must survive a restart.
-- Times are UTC Unix seconds (REAL): easy arithmetic for backoff and leases,
-- readable with datetime(col, 'unixepoch').

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    payload      TEXT    NOT NULL DEFAULT '{}',
    state        TEXT    NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued','running','succeeded','retrying','dead','cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 12,
    run_after    REAL    NOT NULL,
    lease_until  REAL,
    last_error   TEXT,
    hint         TEXT,
    created_at   REAL    NOT NULL,
    updated_at   REAL    NOT NULL,
    finished_at  REAL
);
-- At most one *pending* job per key: enqueue coalesces into it.
CREATE UNIQUE INDEX jobs_pending_key ON jobs(key) WHERE state IN ('queued','retrying');
CREATE INDEX jobs_pending ON jobs(state, run_after) WHERE state IN ('queued','retrying','running');
CREATE INDEX jobs_key ON jobs(key, state);
CREATE INDEX jobs_kind_state ON jobs(kind, state);
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE job_attempts (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    started_at  REAL    NOT NULL,
    finished_at REAL,
    outcome     TEXT,   -- succeeded | retrying | dead | interrupted
    error       TEXT,
    traceback   TEXT
);
CREATE INDEX job_attempts_job ON job_attempts(job_id);

CREATE TABLE receipts (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,          -- shopify | exact
    delivery_id  TEXT NOT NULL,          -- X-Shopify-Webhook-Id, or a hash for Exact
    event_id     TEXT,                   -- X-Shopify-Event-Id: same event on two deliveries
    topic        TEXT NOT NULL,
    triggered_at TEXT,
    received_at  REAL NOT NULL,
    headers      TEXT NOT NULL DEFAULT '{}',  -- only the non-secret delivery headers
    body         BLOB NOT NULL,
    job_id       INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    UNIQUE (source, delivery_id)
);
CREATE INDEX receipts_received ON receipts(received_at);
CREATE INDEX receipts_event ON receipts(source, event_id);

CREATE TABLE links (
    entity      TEXT NOT NULL,   -- order, refund, customer, payout, gift_card, ...
    shopify_id  TEXT NOT NULL,   -- includes the location for per-location documents
    exact_id    TEXT NOT NULL,
    exact_ref   TEXT,            -- human reference (YourRef, document number)
    data        TEXT NOT NULL DEFAULT '{}',
    created_at  REAL NOT NULL,
    PRIMARY KEY (entity, shopify_id)
);
CREATE INDEX links_exact ON links(entity, exact_id);

CREATE TABLE cursors (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at REAL NOT NULL
);

CREATE TABLE tokens (
    name       TEXT PRIMARY KEY,   -- 'exact'
    data       TEXT NOT NULL,      -- the token pair as JSON (connectors.exact.tokens.TokenSet)
    updated_at REAL NOT NULL
);

CREATE TABLE schedule_runs (
    name        TEXT NOT NULL,
    run_key     TEXT NOT NULL,   -- e.g. payouts:2026-11-22
    due_at      REAL NOT NULL,
    job_id      INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    enqueued_at REAL NOT NULL,
    PRIMARY KEY (name, run_key)
);

CREATE TABLE flows (
    name          TEXT PRIMARY KEY,
    paused        INTEGER NOT NULL DEFAULT 0,
    paused_reason TEXT,
    updated_at    REAL NOT NULL
);

CREATE TABLE alerts (
    fingerprint  TEXT PRIMARY KEY,
    rule         TEXT NOT NULL,
    summary      TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('open','resolved')),
    first_seen   REAL NOT NULL,
    last_seen    REAL NOT NULL,
    last_sent    REAL,
    resolved_at  REAL,
    resolved_sent INTEGER NOT NULL DEFAULT 0
);
