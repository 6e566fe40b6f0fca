-- The intent journal: a row is written (and committed) before each document POST to Exact and
-- gets its outcome when Exact answers. An intent without an outcome is the only case in which an
-- earlier attempt may have reached Exact, so only then is the duplicate search by reference spent.
CREATE TABLE intents (
    ref         TEXT PRIMARY KEY,   -- "{entity set}:{reference}", e.g. salesorder/SalesOrders:#1001/AMS
    started_at  REAL NOT NULL,      -- the latest attempt's start
    attempts    INTEGER NOT NULL DEFAULT 1,
    outcome     TEXT,               -- JSON of the fields Exact answered (its id, number); NULL = unknown
    finished_at REAL
);
-- Jobs created before this table existed may have POSTed without an intent: they still search.
CREATE TABLE intents_epoch (since REAL NOT NULL);  -- one row: when the journal began
INSERT INTO intents_epoch (since) VALUES ((julianday('now') - 2440587.5) * 86400.0);
