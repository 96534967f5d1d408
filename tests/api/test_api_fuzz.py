"""Schemathesis against the API's own OpenAPI document, in-process (ASGI).

Every operation gets generated requests, valid and invalid; each answer must be documented
(status, content type, JSON schema), never a 5xx, and invalid input must be refused. Runs
with Temporal unreachable, so office actions answer 202 (kept for later) and issuing a
valid notice 503: what an integration sees while the engine is down.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from dondoc.settings import Settings
from dondoc.store.db import migrate, session_scope
from dondoc.store.directory import load_directory
from dondoc.store.users import ApiScope, create_api_token
from dondoc.web.app import create_app
from support.console import DownClient

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _app_and_token():  # type: ignore[no-untyped-def]
    import yaml

    from dondoc.domain.directory import Directory

    folder = Path(tempfile.mkdtemp(prefix="dondoc-fuzz-"))
    url = f"sqlite:///{folder / 'dondoc.db'}"
    migrate(url)
    with session_scope(url) as session:
        book = yaml.safe_load((FIXTURES / "directory.yaml").read_text("utf-8"))
        load_directory(session, Directory.model_validate(book))
        token = create_api_token(session, "fuzz", tuple(ApiScope))
    app = create_app(Settings(database_url=url, public_url="http://dondoc.test", data_dir=folder))
    app.state.temporal = DownClient()
    return app, token


APP, TOKEN = _app_and_token()
# The token goes in as the document's own security scheme, so schemathesis knows the
# Authorization header is the auth it was given (and tests refusing it apart).
CONFIG = SchemathesisConfig.from_dict({"auth": {"openapi": {"HTTPBearer": {"bearer": TOKEN}}}})
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_its_own_contract(case: schemathesis.Case) -> None:
    excluded = []
    if case.operation.method.upper() == "POST" and case.operation.path == "/api/v1/notices":
        # A notice can match the schema and still name agencies, leaders or deadline
        # phrases the directory and the calendar do not know: 422 by design, not a bug.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)
