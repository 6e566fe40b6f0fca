-- Claims take pending jobs in run_after order; with this index a claim reads the first due
-- jobs and stops, instead of sorting every pending job (thousands during a stock burst).
CREATE INDEX jobs_due ON jobs(run_after, id) WHERE state IN ('queued','retrying');
