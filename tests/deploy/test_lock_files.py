"""The lock files pin every package to one version with its hashes, agree with each other,
miss nothing pyproject.toml asks for, and are what `make install` installs."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata

from deploy_support import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

LOCK = REPO / "requirements.txt"
DEV_LOCK = REPO / "requirements-dev.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(path) -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, sha256 hashes), from pip-compile's output format."""
    text = path.read_text("utf-8").replace("\\\n", " ")
    found: dict[str, tuple[Version, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: not an exact pin: {line[:80]}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        found[canonicalize_name(match.group(1))] = (Version(match.group(2)), hashes)
    return found


def project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]


def unmet(roots: list[str], locked: dict[str, tuple[Version, list[str]]]) -> list[str]:
    """Walk the requirements from ``roots`` through each package's metadata (markers
    evaluated for this interpreter, extras followed) and say which the lock lacks or pins
    at a version outside the specifier: what `pip check` in the image would report."""
    problems: list[str] = []
    todo = [(Requirement(r), "pyproject.toml") for r in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req, wanted_by = todo.pop()
        name = canonicalize_name(req.name)
        key = (name, frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        if name not in locked:
            problems.append(f"{req} (for {wanted_by}) is not in the lock")
            continue
        version = locked[name][0]
        if not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req} (for {wanted_by}) but the lock pins {version}")
        for text in metadata.requires(req.name) or []:
            sub = Requirement(text)
            extras = req.extras or {""}
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras):
                todo.append((sub, req.name))
    return problems


def test_every_package_is_pinned_with_hashes() -> None:
    for path in (LOCK, DEV_LOCK):
        locked = pins(path)
        assert locked, path
        assert all(hashes for _, hashes in locked.values()), path.name


def test_the_two_locks_pin_the_same_versions() -> None:
    runtime, dev = pins(LOCK), pins(DEV_LOCK)
    assert runtime.keys() <= dev.keys()
    assert {n: runtime[n][0] for n in runtime} == {n: dev[n][0] for n in runtime}


def test_the_runtime_lock_alone_has_everything_dondoc_needs_to_run() -> None:
    assert unmet(project()["dependencies"], pins(LOCK)) == []


def test_the_dev_lock_has_every_test_and_lint_tool() -> None:
    roots = project()["dependencies"] + project()["optional-dependencies"]["dev"]
    assert unmet(roots, pins(DEV_LOCK)) == []


def test_the_build_backend_is_locked_so_the_project_builds_without_resolving() -> None:
    build = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["build-system"]
    for lock in (LOCK, DEV_LOCK):
        assert unmet(build["requires"], pins(lock)) == [], lock.name


def test_a_package_missing_from_the_lock_is_reported() -> None:
    """The closure check can fail: a lock without pydantic-core does not satisfy pydantic."""
    locked = {k: v for k, v in pins(LOCK).items() if k != "pydantic-core"}
    assert any("pydantic-core" in p for p in unmet(["pydantic>=2.10"], locked))


def test_this_environment_holds_the_locked_versions() -> None:
    """The suite runs on what `make install` put here, which is the lock."""
    for name, (version, _) in pins(DEV_LOCK).items():
        assert Version(metadata.version(name)) == version, name


def test_make_install_installs_the_lock_when_it_changes() -> None:
    """`make -n -W requirements-dev.txt` shows what make would run were the lock newer
    than the stamp: the hash-checked install of the lock, then the project without deps."""
    dry = subprocess.run(
        ["make", "-n", "-W", "requirements-dev.txt", "install", f"PYTHON={sys.executable}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"pip install .*--require-hashes --no-deps .*-r requirements-dev\.txt", dry)
    assert re.search(r"pip install .*--no-deps .*-e \.", dry)
    assert "pip check" in dry and "make lock" in dry
    for line in dry.splitlines():
        if "pip install" in line:
            assert "--no-deps" in line, line
