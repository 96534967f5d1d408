"""Link and form tokens: any string, and any payload signed with the key, is either the grant
it says or a refusal that names why; through the agency pages, never a 500, every answer
escaped and with the same headers."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from itsdangerous.encoding import base64_encode
from markupsafe import escape
from notice_cases import HOSTILE, JSONISH

from dondoc.domain.tokens import (
    AGENCY_SALT,
    FORM_SALT,
    LINK_SALT,
    InvalidToken,
    LinkGrant,
    TokenProblem,
    read_agency_link,
    read_form,
    read_link,
    sign_form,
    sign_link,
)
from dondoc.settings import Settings
from dondoc.web.app import create_app
from dondoc.web.security import CSP
from dondoc.web.throttle import FailureThrottle
from support.console import DownClient
from support.seeded import Web, into_read_model, notice_document, seeded_settings

NOW = datetime(2026, 12, 1, tzinfo=UTC)
KEYS = ["khoa-thu-nghiem-du-dai-cho-moi-phep-thu-2026"]
TOKENISH = st.one_of(
    st.text(max_size=120),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=300),
    st.builds(
        lambda a, b, c: f"{a}.{b}.{c}",
        st.text(alphabet=string.ascii_letters + "-_", max_size=60),
        st.text(alphabet=string.ascii_letters + "-_", max_size=60),
        st.text(alphabet=string.ascii_letters + "-_", max_size=30),
    ),
)
BOUNDED = settings(max_examples=200, deadline=None)


def signed_text(text: str, salt: str) -> str:
    """This JSON text signed with the key, as only a key holder could."""
    signer = URLSafeSerializer(KEYS[0], salt=salt).make_signer(salt)
    return signer.sign(base64_encode(text.encode())).decode()


def signed(payload: object, salt: str) -> str:
    return signed_text(json.dumps(payload), salt)


@given(token=TOKENISH)
@BOUNDED
def test_any_string_is_refused_as_malformed_or_forged(token: str) -> None:
    for read in (read_link, read_agency_link):
        with pytest.raises(InvalidToken) as caught:
            read(token, KEYS, NOW)
        assert caught.value.problem in (TokenProblem.MALFORMED, TokenProblem.FORGED)
        assert str(caught.value)  # says why, in words
    assert read_form(token, "abc", "complete", KEYS) is None


@given(
    payload=st.one_of(JSONISH, st.fixed_dictionaries({"t": JSONISH, "r": JSONISH, "e": JSONISH}))
)
@BOUNDED
def test_any_signed_payload_is_a_well_typed_grant_or_malformed(payload: object) -> None:
    token = signed(payload, LINK_SALT)
    try:
        grant = read_link(token, KEYS, NOW)
    except InvalidToken as err:
        assert err.problem in (TokenProblem.MALFORMED, TokenProblem.EXPIRED)
        return
    assert isinstance(grant.task_id, str) and isinstance(grant.recipient, str)
    assert isinstance(grant.expires, int) and grant.expires > NOW.timestamp()


@given(
    expiry=st.one_of(
        st.sampled_from(["Infinity", "-Infinity", "NaN", "1e400", "-0", "1e20", "9" * 500]),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )
)
@BOUNDED
def test_any_expiry_text_is_an_expiry_or_malformed(expiry: str) -> None:
    for salt, body in ((LINK_SALT, '"t": "a", "r": "b"'), (AGENCY_SALT, '"g": "SNGV"')):
        token = signed_text(f'{{{body}, "e": {expiry}}}', salt)
        read = read_link if salt == LINK_SALT else read_agency_link
        try:
            read(token, KEYS, NOW)
        except InvalidToken as err:
            assert err.problem in (TokenProblem.MALFORMED, TokenProblem.EXPIRED)


@given(payload=JSONISH, link=TOKENISH, action=st.text(max_size=20))
@BOUNDED
def test_a_form_token_opens_only_for_its_link_and_action(
    payload: object, link: str, action: str
) -> None:
    nonce = read_form(signed(payload, FORM_SALT), link, action, KEYS)
    assert nonce is None or (isinstance(payload, dict) and nonce == payload["n"] and nonce)
    real = sign_link(LinkGrant("2026-245-TB-UBND-1", "SNGV", 4102444800), KEYS)
    form = sign_form(real, "complete", "n-1", KEYS)
    assert read_form(form, real, "complete", KEYS) == "n-1"
    if link[-24:] != real[-24:]:
        assert read_form(form, link, "complete", KEYS) is None
    if action != "complete":
        assert read_form(form, real, action, KEYS) is None


# -------------------------------------------------------------------------- through the pages


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Web, str]]:
    settings = seeded_settings(tmp_path_factory.mktemp("tokens"))
    today = datetime.now(UTC).date()
    work = "Hoàn thiện <b>dự thảo</b> Đề án\r\nBcc: ke-gian@ke-gian.test"
    task = into_read_model(settings, notice_document("941/TB-UBND", today, work=work)).tasks[0].id
    app = create_app(settings)
    app.state.temporal = DownClient()
    # A guesser is slowed after 5 failures (seconds of sleep); the fuzz is not a guesser.
    app.state.throttle = FailureThrottle(free=10**9, refuse_after=10**9)
    yield settings, Web(app), task


def clean(answer: object) -> None:
    """No 500; the security headers; no header value with a line break in it."""
    assert answer.status_code < 500, answer.text[:300]  # type: ignore[attr-defined]
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers.get("content-security-policy") == CSP
    assert headers.get("x-frame-options") == "DENY"
    for name, value in headers.raw:
        assert b"\r" not in value and b"\n" not in value, name


SUSPECT = st.one_of(TOKENISH, st.sampled_from(HOSTILE))
FORMS = st.dictionaries(
    st.sampled_from(
        ["form_token", "summary", "document_number", "link", "note", "new_deadline", "reason", "x"]
    ),
    st.one_of(st.text(max_size=50), st.sampled_from(HOSTILE), st.just("Đ" * 5000)),
    max_size=6,
)
ACTIONS = st.one_of(
    st.sampled_from(
        ["acknowledge", "complete", "report_progress", "request_extension", "propose_reassignment"]
    ),
    st.text(alphabet=string.ascii_letters + "_%.", min_size=1, max_size=20),
)


@given(token=SUSPECT)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_link_opens_a_page_or_a_refusal_in_words(
    stack: tuple[Settings, Web, str], token: str
) -> None:
    _, web, _ = stack
    if not token.strip("."):
        return  # "/t/.." is "/" to any client: not a link at all
    path = f"/t/{quote(token, safe='')}"
    for answer in (web.get(path), web.get(path.replace("/t/", "/t/agency/", 1))):
        clean(answer)
        assert answer.status_code in (400, 403, 404, 405, 410), answer.status_code
        assert '<html lang="vi">' in answer.text


@given(form=FORMS, action=ACTIONS, real_token=st.booleans())
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_form_is_done_kept_or_refused_and_the_task_text_stays_text(
    stack: tuple[Settings, Web, str], form: dict[str, str], action: str, real_token: bool
) -> None:
    settings, web, task = stack
    expires = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    link = sign_link(LinkGrant(task, "SNGV", expires), settings.signing_keys())
    if real_token:
        page = web.get(f"/t/{link}")
        found = re.search(
            rf'/t/[^"]+/{re.escape(action)}">\s*<input[^>]+value="([^"]+)"', page.text
        )
        if found:
            form = {**form, "form_token": found.group(1)}
    answer = web.post(f"/t/{link}/{action}", data=form)
    clean(answer)
    # Done (kept for the workflow: Temporal is down here), or refused with a reason.
    assert answer.status_code in (202, 403, 404, 405, 409, 422), answer.status_code
    # 404 and 405: not an action of the task ("." and ".." are dot segments the client folds
    # into the link's own GET-only path), so no task page to show.
    if answer.status_code not in (404, 405):
        assert str(escape("Hoàn thiện <b>dự thảo</b> Đề án")) in answer.text
        assert "<b>dự thảo</b>" not in answer.text
    assert "<script>alert(1)</script>" not in answer.text
    assert "<img src=x onerror=alert(1)>" not in answer.text
