"""The long-running shopsync process and its command line."""
