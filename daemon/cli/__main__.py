"""`python -m daemon.cli …`: the same command line as the `shopsync` entry point."""

import sys

from daemon.cli import main

sys.exit(main())
