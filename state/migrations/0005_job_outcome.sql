-- What a succeeded job did, in a few words ("created 2, found 0", "ignored: not found in
-- Shopify"), so a job that did nothing is visible as such rather than as a silent success.
ALTER TABLE jobs ADD COLUMN outcome TEXT;
