"""The daemon process never imports Textual: the console is a separate client."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_daemon_and_its_control_api_does_not_import_textual():
    code = (
        "import sys, daemon.app, daemon.control.app, daemon.cli; daemon.cli.build_parser();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'console')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
