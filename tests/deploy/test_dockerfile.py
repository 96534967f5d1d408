"""deploy/Dockerfile: hadolint's rules, and ours: pinned bases, non-root, the lock."""

from __future__ import annotations

import re
import subprocess

from deploy_support import DEPLOY, IMAGE_UID, VENV_BIN
from dockerfile_parse import DockerfileParser

DOCKERFILE = DEPLOY / "Dockerfile"


def parsed() -> DockerfileParser:
    return DockerfileParser(str(DOCKERFILE), env_replace=True)


def instructions(name: str) -> list[str]:
    return [i["value"] for i in parsed().structure if i["instruction"] == name]


def final_stage() -> list[dict]:
    structure = parsed().structure
    last_from = max(i for i, ins in enumerate(structure) if ins["instruction"] == "FROM")
    return structure[last_from:]


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_base_image_has_a_fixed_tag() -> None:
    images = parsed().parent_images
    assert images
    for image in images:
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest" and "$" not in image, image


def test_the_image_runs_as_an_unprivileged_numeric_user() -> None:
    users = [i["value"] for i in final_stage() if i["instruction"] == "USER"]
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert int(uid) == IMAGE_UID and int(gid or uid) != 0


def test_packages_come_from_the_lock_with_hashes_and_nothing_is_resolved() -> None:
    assert any(c.split()[0] == "requirements.txt" for c in instructions("COPY"))
    installs = [
        cmd for run in instructions("RUN") for cmd in re.split(r"&&|;", run) if "pip install" in cmd
    ]
    assert any("--require-hashes" in c and "-r requirements.txt" in c for c in installs)
    assert all("--no-deps" in c for c in installs), installs
    assert any("pip check" in run for run in instructions("RUN"))


def test_one_image_serves_the_web_the_worker_and_the_cli() -> None:
    final = {i["instruction"]: i["value"] for i in final_stage()}
    assert final["ENTRYPOINT"] == '["dondoc"]'
    assert final["CMD"].startswith('["web", "--host", "0.0.0.0"')
    assert "/healthz" in final["HEALTHCHECK"]
    assert "8000" in final["EXPOSE"].split()


def test_the_build_context_admits_what_the_image_copies() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text("utf-8").split()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore
    copied = {
        src.rstrip("/")
        for value in instructions("COPY")
        if not value.startswith("--from")
        for src in value.split()[:-1]
    }
    assert copied and copied <= allowed, copied - allowed
