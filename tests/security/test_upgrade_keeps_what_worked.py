"""The upgrade to scoped tokens and link generations breaks no integration and no link.

A database made by the release before (revision 0009) with an integration's token and an
agency in it is upgraded; the token then still issues notices and reads (it keeps all it
could do: migration 0011), a token made after the upgrade only reads, and an agency link
mailed before the upgrade still opens (generation 0: migration 0012).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from alembic import command
from itsdangerous import URLSafeSerializer
from sqlalchemy import text

from dondoc.domain.directory import Directory
from dondoc.domain.tokens import AGENCY_SALT, sign_agency_link
from dondoc.settings import Settings
from dondoc.store.db import alembic_config, engine_for, migrate, session_scope
from dondoc.store.directory import load_directory
from dondoc.store.users import create_api_token
from dondoc.web.app import create_app
from support.console import DownClient
from support.seeded import DIRECTORY, Web, notice_document

OLD_TOKEN = "ddk_ma-cua-tich-hop-tao-truoc-khi-co-pham-vi-0123456789"


def database_of_the_release_before(url: str) -> None:
    with engine_for(url).begin() as connection:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0009")
        connection.execute(
            text(
                "INSERT INTO api_tokens (name, token_hash, prefix, created_at) "
                "VALUES ('qlvb', :hash, 'ddk_ma-c', :now)"
            ),
            {"hash": hashlib.sha256(OLD_TOKEN.encode()).hexdigest(), "now": datetime.now(UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO agencies (code, name, email, cc, aliases, digest) "
                "VALUES ('SNGV', 'Sở Ngoại vụ', 'songoaivu@ubnd.test', '[]', '[]', 0)"
            )
        )


def test_tokens_and_links_from_before_the_upgrade_keep_working(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dondoc.db'}"
    database_of_the_release_before(url)
    migrate(url)
    with session_scope(url) as session:
        load_directory(session, Directory.model_validate(yaml.safe_load(DIRECTORY)))
        new_token = create_api_token(session, "bang-theo-doi")
    settings = Settings(database_url=url, public_url="http://dondoc.test", data_dir=tmp_path)
    app = create_app(settings)
    app.state.temporal = DownClient()
    web = Web(app)

    old = {"Authorization": f"Bearer {OLD_TOKEN}"}
    document = notice_document("901/TB-UBND", datetime.now(UTC).date())
    checked = web.post("/api/v1/notices?dry_run=true", json=document, headers=old)
    assert checked.status_code == 200, checked.text
    assert web.get("/api/v1/tasks", headers=old).status_code == 200
    acted = web.post("/api/v1/tasks/2026-1-TB-UBND-1/cancel", json={"reason": "x"}, headers=old)
    assert acted.status_code == 404  # allowed to act: only the task is missing

    new = {"Authorization": f"Bearer {new_token}"}
    assert web.get("/api/v1/tasks", headers=new).status_code == 200
    assert web.post("/api/v1/notices?dry_run=true", json=document, headers=new).status_code == 403

    # An agency link as the release before signed it: no generation in its payload.
    expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    signer = URLSafeSerializer(settings.signing_keys(), salt=AGENCY_SALT)
    mailed_before = signer.dumps({"g": "SNGV", "e": expires})
    page = web.get(f"/t/agency/{mailed_before}")
    assert page.status_code == 200 and "Sở Ngoại vụ" in page.text
    # And generation 0 signs the very same bytes, so a mail retried across the upgrade
    # is the same message.
    assert sign_agency_link("SNGV", expires, settings.signing_keys()) == mailed_before
