-- The stock figure `sellable` (CurrentStock − PlanningOut), and holds kept past export until a
-- poll has read Exact's figures that include the order (issue #15).

ALTER TABLE stock_levels ADD COLUMN sellable TEXT NOT NULL DEFAULT '0';
ALTER TABLE stock_holds ADD COLUMN released_at REAL;   -- set at export; NULL while waiting

-- Re-read every stock position from the start, so `sellable` is filled from Exact's figures.
DELETE FROM cursors WHERE name = 'exact:stock_positions';
