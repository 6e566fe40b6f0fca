"""The console's screens: overview, jobs, one job, logs, help, and the confirmation dialog."""
