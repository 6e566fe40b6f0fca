"""The daily tie-out: one shop-local day's orders against Exact's documents, to the cent.

collect.py reads both sides, compare.py judges (pure), job.py runs it each morning and keeps the
last report for `shopsync status`, the alert rule and the console.
"""
