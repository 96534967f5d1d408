"""docs/operations.md as an operator follows it, on this machine: its own shell blocks run
with the real install's paths moved into a temporary root, the files of deploy/systemd
used as they are, and the units' ExecStart= run by hand the way systemd would set them up
(there is no systemd here to run them).

Only the paths and ports move: ``/etc/dondoc`` becomes ``ROOT/etc/dondoc``, the PostgreSQL
of step 2 is the session's throwaway cluster, ports are free ones. Everything the guide
writes (the role and database, the certificates, the credentials, the env file from the
example) is written by the guide's own commands.
"""

from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "operations.md"
SYSTEMD = REPO / "deploy" / "systemd"
VENV_BIN = Path(sys.executable).parent
ADMIN = SYSTEMD / "dondoc-admin"


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text("utf-8"), flags=re.S)


def doc_block(language: str, marker: str) -> str:
    """The guide's one ``language`` block that holds ``marker``."""
    found = [b for b in doc_blocks(language) if marker in b]
    assert len(found) == 1, f"{len(found)} {language} blocks hold {marker!r}"
    return found[0]


def without_lines(block: str, *starts: str) -> str:
    """The block less its lines starting with any of ``starts`` (what has no stand-in
    here: systemctl, an editor)."""
    return "\n".join(line for line in block.splitlines() if not line.startswith(starts)) + "\n"


def run_shell(block: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a block with ``sh -eu``; its standard output."""
    done = subprocess.run(
        ["sh", "-eu", "-c", block], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{block}\n{done.stdout}{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Root:
    """The temporary stand-in for ``/``: where the guide's absolute paths land."""

    path: Path

    @property
    def etc(self) -> Path:
        return self.path / "etc" / "dondoc"

    @property
    def credentials(self) -> Path:
        return self.etc / "credentials"

    def moved(self, text: str) -> str:
        """``text`` with the install's paths under the root (those already there stay)."""
        here = re.escape(str(self.path))
        for real in ("/etc/dondoc", "/etc/systemd/system", "/var/lib/dondoc", "/var/lib/temporal"):
            text = re.sub(rf"(?<!{here}){re.escape(real)}", f"{self.path}{real}", text)
        return text.replace("/opt/dondoc/src", str(REPO)).replace(
            "/opt/dondoc/venv/bin", str(VENV_BIN)
        )


def clean_env() -> dict[str, str]:
    """This process's environment without any Đôn đốc or systemd credential setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DONDOC_", "TEMPORAL_"))}
    env.pop("CREDENTIALS_DIRECTORY", None)
    return env


def admin_env(root: Root) -> dict[str, str]:
    """What ``dondoc-admin`` needs to find the settings and credentials under ``root``
    (it reads /etc/dondoc by default)."""
    return clean_env() | {
        "DONDOC_ENV_FILE": str(root.etc / "dondoc.env"),
        "DONDOC_CREDENTIALS_DIR": str(root.credentials),
        "DONDOC": str(VENV_BIN / "dondoc"),
        "DONDOC_DATA_DIR": str(root.path / "var" / "lib" / "dondoc"),
    }


def admin_block(root: Root, block: str, **placeholders: str) -> str:
    """A block of ``dondoc-admin`` commands, its placeholders (``/path/to/x``) filled."""
    for old, new in placeholders.items():
        block = block.replace(f"/path/to/{old}", new)
    return run_shell(root.moved(block).replace("dondoc-admin", f"sh {ADMIN}"), root.path,
                     admin_env(root))  # fmt: skip


def admin(root: Root, *args: str) -> subprocess.CompletedProcess[str]:
    """``dondoc-admin ARGS`` as installed by step 3."""
    return subprocess.run(
        ["sh", str(ADMIN), *args], env=admin_env(root), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def _unit_lines(path: Path) -> list[tuple[str, str]]:
    text = path.read_text("utf-8").replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            pairs.append((key, value))
    return pairs


def _environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (quotes removed)."""
    values = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = " ".join(shlex.split(value))
    return values


@dataclass(frozen=True)
class UnitCommand:
    argv: list[str]
    env: dict[str, str]
    cwd: Path


def unit_command(
    root: Root, unit: str, dropins: list[Path], replace: dict[str, str] | None = None
) -> UnitCommand:
    """What systemd would run for ``unit`` with ``dropins``: EnvironmentFile=, then
    Environment= with ``%d`` the unit's credentials directory, each LoadCredential= file
    copied there; ExecStart= with ``replace`` applied (a port)."""
    credentials = root.path / "run" / "credentials" / unit
    shutil.rmtree(credentials, ignore_errors=True)
    credentials.mkdir(parents=True)
    env = clean_env() | {"CREDENTIALS_DIRECTORY": str(credentials)}
    argv: list[str] = []
    cwd = root.path
    for key, value in [pair for path in [SYSTEMD / unit, *dropins] for pair in _unit_lines(path)]:
        value = root.moved(value)
        if key == "EnvironmentFile":
            env |= _environment_file(Path(value))
        elif key == "LoadCredential":
            name, _, source = value.partition(":")
            shutil.copyfile(source, credentials / name)
            (credentials / name).chmod(0o400)
        elif key == "Environment":
            name, _, setting = value.partition("=")
            env[name] = setting.replace("%d", str(credentials))
        elif key == "ExecStart":
            for old, new in (replace or {}).items():
                value = value.replace(old, new)
            argv = shlex.split(value)
        elif key == "WorkingDirectory":
            cwd = Path(value)
    cwd.mkdir(parents=True, exist_ok=True)
    assert argv, f"{unit} has no ExecStart="
    return UnitCommand(argv, env, cwd)


def form(page: str, action: str) -> tuple[str, str]:
    """The ``action`` form of a link page: its target and its form token."""
    for found in re.findall(r"<form\b[^>]*>.*?</form>", page, re.S):
        target = re.search(r'action="([^"]*/' + action + r')"', found)
        token = re.search(r'name="form_token" value="([^"]*)"', found)
        if target and token:
            return html.unescape(target[1]), html.unescape(token[1])
    raise AssertionError(f"no {action} form on the page:\n{page}")
