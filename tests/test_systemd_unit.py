"""The unit passes systemd's own checks; install.sh's dry run shows a complete, harmless install."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "systemd" / "shopsync.service"
INSTALL = ROOT / "systemd" / "install.sh"
EXEC_START = "/opt/shopsync/venv/bin/shopsync run --config /etc/shopsync/shopsync.toml"
SECRETS = {
    "shopify_client_id",
    "shopify_client_secret",
    "shopify_access_token",
    "shopify_webhook_secret",
    "exact_client_id",
    "exact_client_secret",
    "exact_webhook_secret",
    "smtp_password",
    "token_key",
}
GENERATED = {"token_key"}  # install.sh makes it; the others start empty for the operator
DRAIN_GRACE_SECONDS = 30


def _systemd_analyze() -> str | None:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        return None
    first = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    match = re.match(r"systemd (\d+)", first)
    # `security --offline=true` and `verify --recursive-errors` arrived in systemd 250.
    return exe if match and int(match.group(1)) >= 250 else None


SYSTEMD_ANALYZE = _systemd_analyze()
needs_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze from systemd >= 250 is not installed"
)


def unit_settings() -> dict[str, list[str]]:
    """`Key=value` lines of the unit; keys like LoadCredential= repeat, so values are lists."""
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


@needs_analyze
def test_unit_exposure_is_at_most_1_5() -> None:
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=true", "--no-pager", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    match = re.search(r"Overall exposure level for shopsync\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 1.5, result.stdout


@needs_analyze
def test_unit_verifies_without_errors_or_warnings(tmp_path: Path) -> None:
    """`verify` also checks that ExecStart's binary exists on *this* machine, which only
    install.sh makes true; so verify a copy whose ExecStart points at a stand-in executable
    (same arguments), and every other check must be silent."""
    stand_in = tmp_path / "bin" / "shopsync"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    text = UNIT.read_text()
    assert f"\nExecStart={EXEC_START}\n" in text
    copy = tmp_path / "shopsync.service"  # the file name is the unit name
    copy.write_text(text.replace("/opt/shopsync/venv/bin/shopsync", str(stand_in)))

    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--recursive-errors=no", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    # Complaints about the host's own units are not ours to fix; ours name the unit or the copy.
    ours = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "shopsync" in line or str(tmp_path) in line
    ]
    assert ours == []
    assert result.returncode == 0, result.stderr


def test_unit_gives_the_daemon_what_it_reads_and_time_to_drain() -> None:
    settings = unit_settings()
    assert settings["Type"] == ["notify"]
    assert settings["ExecStart"] == [EXEC_START]
    assert {v.split(":", 1)[0] for v in settings["LoadCredential"]} == SECRETS
    assert all(
        v == f"{name}:/etc/shopsync/credentials/{name}"
        for v in settings["LoadCredential"]
        for name in [v.split(":", 1)[0]]
    )
    assert settings["StateDirectory"] == ["shopsync"]
    assert settings["RuntimeDirectory"] == ["shopsync"]
    assert settings["RuntimeDirectoryMode"] == ["0750"]
    assert int(settings["TimeoutStopSec"][0]) > DRAIN_GRACE_SECONDS
    # Unit files are world-readable: no secret may travel through Environment=.
    environment = " ".join(settings.get("Environment", [])).lower()
    assert not any(word in environment for word in ("token", "secret", "password"))


def run_install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(INSTALL), *args], capture_output=True, text=True, timeout=30)


INSTALLED_PATHS = [
    Path("/opt/shopsync"),
    Path("/etc/shopsync"),
    Path("/etc/systemd/system/shopsync.service"),
    Path("/usr/local/bin/shopsync"),
]


def test_install_dry_run_shows_every_step_and_changes_nothing() -> None:
    before = [p.exists() for p in INSTALLED_PATHS]
    result = run_install("--dry-run", "--no-start")
    assert result.returncode == 0, result.stderr
    out = result.stdout

    assert [p.exists() for p in INSTALLED_PATHS] == before
    assert "dry run: nothing will be changed" in out
    assert "group shopsync exists" in out or "would run: groupadd --system shopsync" in out
    assert "user shopsync exists" in out or "--shell /usr/sbin/nologin" in out
    assert (
        f"-m pip install --quiet --disable-pip-version-check --root-user-action=ignore {ROOT}\n"
        in out
    )
    assert "would run: install -d -m 0750 -o root -g shopsync /etc/shopsync\n" in out
    assert "would run: install -d -m 0700 -o root -g root /etc/shopsync/credentials\n" in out
    if not Path("/etc/shopsync/credentials").exists():
        for name in SECRETS - GENERATED:  # a missing file would keep the service from starting
            assert f"/dev/null /etc/shopsync/credentials/{name}\n" in out
        assert "would generate a token key into /etc/shopsync/credentials/token_key" in out
        assert "/dev/null /etc/shopsync/credentials/token_key" not in out
    assert f"would run: install -m 0644 -o root -g root {UNIT} " in out
    assert "would run: systemctl daemon-reload\n" in out
    assert "would run: systemctl enable shopsync.service\n" in out
    assert "systemctl start shopsync.service" not in out
    assert "not starting (--no-start)" in out


def test_install_rejects_unknown_options() -> None:
    result = run_install("--yes-really")
    assert result.returncode == 2
    assert "unknown option: --yes-really" in result.stderr


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to switch to an unprivileged user",
)
def test_install_refuses_a_real_run_without_root() -> None:
    # The checkout may sit in a private directory (/root, a 0700 mktemp): run a copy of the
    # script from a world-readable place, so only the check under test can stop the user.
    with tempfile.TemporaryDirectory() as place:
        os.chmod(place, 0o755)
        script = Path(place) / "systemd" / "install.sh"
        script.parent.mkdir(mode=0o755)
        shutil.copy(INSTALL, script)
        script.chmod(0o755)
        result = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(script)],
            capture_output=True,
            text=True,
            timeout=30,
            cwd="/",
        )
    assert result.returncode == 1
    assert "run as root" in result.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_install_script_passes_shellcheck() -> None:
    result = subprocess.run(
        ["shellcheck", str(INSTALL)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stdout


# -- the template unit shopsync@NAME.service: several shops on one machine --------------------
TEMPLATE = ROOT / "systemd" / "shopsync@.service"
PER_INSTANCE = {  # the only settings an instance changes; everything else (hardening) is shared
    "Description",
    "ExecStart",
    "StateDirectory",
    "RuntimeDirectory",
    "ConfigurationDirectory",
    "LoadCredential",
    "SyslogIdentifier",
}


def _settings_of(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_template_keeps_the_units_hardening_and_separates_each_instance() -> None:
    single, template = unit_settings(), _settings_of(TEMPLATE)
    assert set(single) == set(template)
    for key in set(single) - PER_INSTANCE:
        assert template[key] == single[key], key
    assert template["ExecStart"] == [EXEC_START.replace("/shopsync.toml", "/%i/shopsync.toml")]
    assert template["StateDirectory"] == ["shopsync/%i"]
    assert template["RuntimeDirectory"] == ["shopsync/%i"]
    assert template["ConfigurationDirectory"] == ["shopsync/%i"]
    assert sorted(template["LoadCredential"]) == sorted(
        f"{name}:/etc/shopsync/%i/credentials/{name}" for name in SECRETS
    )


@needs_analyze
def test_template_instance_exposure_is_at_most_1_5(tmp_path: Path) -> None:
    instance = tmp_path / "shopsync@shop2.service"  # the file name gives the instance name
    instance.write_text(TEMPLATE.read_text())
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=true", "--no-pager", str(instance)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    match = re.search(
        r"Overall exposure level for shopsync@shop2\.service: (\d+\.\d+)", result.stdout
    )
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 1.5, result.stdout


@needs_analyze
def test_template_instance_verifies_without_errors_or_warnings(tmp_path: Path) -> None:
    stand_in = tmp_path / "bin" / "shopsync"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    copy = tmp_path / "shopsync@shop2.service"
    copy.write_text(TEMPLATE.read_text().replace("/opt/shopsync/venv/bin/shopsync", str(stand_in)))
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--recursive-errors=no", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    ours = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "shopsync" in line or str(tmp_path) in line
    ]
    assert ours == []
    assert result.returncode == 0, result.stderr


def test_install_dry_run_for_an_instance_uses_its_own_paths_and_port() -> None:
    result = run_install("--dry-run", "--no-start", "--instance", "shop2", "--port", "8082")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "/etc/shopsync/shop2/credentials" in out
    assert "/etc/shopsync/shop2/shopsync.toml" in out
    assert "/etc/systemd/system/shopsync@.service" in out
    assert "enable shopsync@shop2.service" in out
    assert "port 8082" in out
    assert "/etc/shopsync/credentials/" not in out  # nothing of the single-shop layout


def test_install_refuses_a_bad_instance_name_or_port() -> None:
    for args in (("--instance", "../etc"), ("--instance", "a b"), ("--port", "80")):
        result = run_install("--dry-run", *args)
        assert result.returncode == 2, (args, result.stdout)
