"""`--instance NAME` finds shopsync@NAME's socket: from its config, else its runtime directory."""

from __future__ import annotations

import subprocess
import sys

import pytest

from daemon.control import client
from daemon.control.client import ControlError, find_socket


def test_an_instance_reads_its_own_config_then_falls_back_to_its_runtime_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(client, "INSTANCES_CONFIG", tmp_path / "etc")
    monkeypatch.setattr(client, "INSTANCES_RUNTIME", tmp_path / "run")
    monkeypatch.setenv("SHOPSYNC_CONTROL__SOCKET", str(tmp_path / "single.sock"))
    assert find_socket(instance="shop2") == tmp_path / "run" / "shop2" / "shopsync.sock"
    config = tmp_path / "etc" / "shop3" / "shopsync.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[control]\nsocket = "{tmp_path}/elsewhere.sock"\n')
    assert find_socket(instance="shop3") == tmp_path / "elsewhere.sock"
    assert find_socket(instance=None) == tmp_path / "single.sock"  # the single shop is untouched


@pytest.mark.parametrize("name", ["../etc", "a b", "", "x" * 41])
def test_a_bad_instance_name_is_refused(name):
    with pytest.raises(ControlError, match="--instance"):
        find_socket(instance=name)


def test_status_of_an_instance_that_does_not_run_says_so(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "daemon.cli", "status", "--instance", "nosuchshop"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "/run/shopsync/nosuchshop/shopsync.sock" in out.stderr
