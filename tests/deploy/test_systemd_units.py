"""deploy/systemd/: the units as systemd itself reads them (`systemd-analyze verify` and
its offline `security` score, in a root the test lays out), and the keys we rely on."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from deploy_support import DEPLOY, GRACEFUL_SHUTDOWN_SECONDS, KNOWN_SETTINGS, SECRET_SETTINGS

from dondoc.workflows.search_attributes import registration

SYSTEMD = DEPLOY / "systemd"
UNITS = ["dondoc-web.service", "dondoc-worker.service"]
STAND_IN = "temporal-dev.service"
# Past this overall exposure systemd-analyze stops calling a service "OK".
MAX_EXPOSURE = 2.0
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "PrivateDevices": "yes",
    "DynamicUser": "yes",
    "CapabilityBoundingSet": "",
    "RestrictSUIDSGID": "yes",
    "SystemCallArchitectures": "native",
}


def keys(path: Path) -> dict[str, list[str]]:
    """``Section.Key`` -> every value given, in order (systemd allows repeats); a line
    ending in a backslash continues on the next."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text("utf-8").replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key}", []).append(value)
    return found


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root holding systemd's own units, ours with the drop-in, and an executable where
    ExecStart points (verify checks that it exists)."""
    root = tmp_path_factory.mktemp("root")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(SYSTEMD / unit, units / unit)
        (units / f"{unit}.d").mkdir()
        shutil.copy(SYSTEMD / "temporal-mtls.conf", units / f"{unit}.d" / "temporal-mtls.conf")
    shutil.copy(SYSTEMD / STAND_IN, units / STAND_IN)
    (root / "opt/dondoc/venv/bin").mkdir(parents=True)
    for name in ("dondoc", "temporal"):
        executable = root / "opt/dondoc/venv/bin" / name
        executable.write_text("#!/bin/sh\n")
        executable.chmod(0o755)
    return root


def analyze(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", *args, f"--root={root}"],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("unit", [*UNITS, STAND_IN])
def test_systemd_reads_the_unit_without_a_complaint(root: Path, unit: str) -> None:
    result = analyze(root, "verify", "--man=no", f"/etc/systemd/system/{unit}")
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stderr


def test_verify_complains_about_a_misspelt_key(root: Path) -> None:
    """The check above can fail: an unknown key is reported, though systemd starts anyway."""
    text = (SYSTEMD / UNITS[0]).read_text("utf-8").replace("ProtectHome=", "ProtectHomes=")
    (root / "etc/systemd/system/misspelt.service").write_text(text, "utf-8")
    result = analyze(root, "verify", "--man=no", "/etc/systemd/system/misspelt.service")
    assert "Unknown key 'ProtectHomes'" in result.stderr


@pytest.mark.parametrize("unit", [*UNITS, STAND_IN])
def test_the_unit_is_hardened_by_systemds_own_measure(root: Path, unit: str) -> None:
    result = analyze(
        root, "security", "--offline=true", "--no-pager", f"/etc/systemd/system/{unit}"
    )
    assert result.returncode == 0, result.stderr
    level = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout)
    assert level, result.stdout[-500:]
    assert float(level.group(1)) <= MAX_EXPOSURE, result.stdout


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_sets_the_hardening_and_restart_keys(unit: str) -> None:
    found = keys(SYSTEMD / unit)
    for key, value in HARDENING.items():
        assert found[f"Service.{key}"] == [value], key
    assert found["Service.ReadWritePaths"] == ["/var/lib/dondoc"]
    assert found["Service.StateDirectory"] == ["dondoc"]
    assert found["Service.Restart"] == ["on-failure"]
    assert found["Service.EnvironmentFile"] == ["/etc/dondoc/dondoc.env"]
    stop = found["Service.TimeoutStopSec"][0]
    assert int(stop.removesuffix("s")) > GRACEFUL_SHUTDOWN_SECONDS
    role = unit.removeprefix("dondoc-").removesuffix(".service")
    assert found["Service.ExecStart"][0].split()[:2] == ["/opt/dondoc/venv/bin/dondoc", role]


@pytest.mark.parametrize("unit", UNITS)
def test_secrets_arrive_as_credentials_named_by_file_variables(unit: str) -> None:
    found = keys(SYSTEMD / unit)
    credentials = dict(c.split(":", 1) for c in found["Service.LoadCredential"])
    assert all(path.startswith("/etc/dondoc/credentials/") for path in credentials.values())
    env = dict(e.split("=", 1) for e in found["Service.Environment"])
    assert env["DONDOC_SECRET_KEY_FILE"] == "%d/secret_key"
    assert env["DONDOC_SMTP_PASSWORD_FILE"] == "%d/smtp_password"
    assert env["DONDOC_DATABASE_URL_FILE"] == "%d/database_url"
    for variable, value in env.items():
        assert variable in KNOWN_SETTINGS | {"PYTHONDONTWRITEBYTECODE"}, variable
        if value.startswith("%d/"):
            assert value.removeprefix("%d/") in credentials, variable
    assert {f"{s}_FILE" for s in SECRET_SETTINGS - {"DONDOC_TEMPORAL_API_KEY"}} <= env.keys()


def test_both_units_are_hardened_alike() -> None:
    web, worker = (keys(SYSTEMD / unit) for unit in UNITS)
    differ = {k for k in web.keys() | worker.keys() if web.get(k) != worker.get(k)}
    assert differ == {"Unit.Description", "Service.ExecStart"}


def test_the_env_file_holds_settings_and_no_secret() -> None:
    names = {
        line.split("=", 1)[0]
        for line in (SYSTEMD / "dondoc.env.example").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert names and names <= KNOWN_SETTINGS, names - KNOWN_SETTINGS
    assert not names & SECRET_SETTINGS
    drop_in = keys(SYSTEMD / "temporal-mtls.conf")
    assert drop_in["Service.Environment"] == ["DONDOC_TEMPORAL_TLS_KEY_FILE=%d/temporal_client_key"]


def test_the_stand_in_registers_every_search_attribute_the_workflows_set() -> None:
    command = keys(SYSTEMD / STAND_IN)["Service.ExecStart"][0]
    found = dict(re.findall(r"--search-attribute (Dondoc[A-Za-z]+)=([A-Za-z]+)", command))
    assert found == registration()
    assert "--ip 127.0.0.1" in command


def test_dondoc_admin_gives_a_command_what_the_units_give_the_services(tmp_path: Path) -> None:
    """The operator's wrapper, run for real on the example env file: `env` stands in for
    dondoc and prints what it would have been given."""
    result = subprocess.run(
        ["sh", str(SYSTEMD / "dondoc-admin")],
        env={
            "PATH": "/usr/bin:/bin",
            "DONDOC": "/usr/bin/env",
            "DONDOC_ENV_FILE": str(SYSTEMD / "dondoc.env.example"),
            "DONDOC_CREDENTIALS_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    given = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert given["DONDOC_MAIL_FROM"] == "Đôn đốc – Văn phòng UBND tỉnh <dondoc@example.gov.vn>"
    unit_env = dict(e.split("=", 1) for e in keys(SYSTEMD / UNITS[0])["Service.Environment"])
    for variable, value in unit_env.items():
        if value.startswith("%d/"):
            assert given[variable] == str(tmp_path / value.removeprefix("%d/")), variable
    assert given["DONDOC_DATA_DIR"] == unit_env["DONDOC_DATA_DIR"]
