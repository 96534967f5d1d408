"""Every link the system mails opens: whatever the notice number, compressed or not.

itsdangerous compresses a payload when that is shorter, and the token then starts with
"." (``.eJy…``); long or repetitive notice numbers give such tokens. Links mailed before
this fix, of either shape, keep opening.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from pydantic import SecretStr

from dondoc.domain.ids import notice_key, task_id
from dondoc.domain.notice import NUMBER_MAX
from dondoc.domain.tokens import (
    AgencyGrant,
    LinkGrant,
    read_agency_link,
    read_form,
    read_link,
    sign_agency_link,
    sign_form,
    sign_link,
)
from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.tasks import get_task, spec_of
from dondoc.web.app import create_app
from support.console import DownClient
from support.seeded import Web, into_read_model, notice_document, seeded_settings

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
KEYS = ["khoa-hien-tai-cua-he-thong-don-doc-2026-12"]
LATER = int((NOW + timedelta(days=90)).timestamp())

# Signed by the code before this fix with the key below, as they sit in mailboxes today.
MAILED_KEY = "khoa-da-dung-de-ky-cac-thu-da-gui-2026"
MAILED_PLAIN = (
    "eyJ0IjoiMjAyNi0yNDUtVEItVUJORC0xIiwiciI6IlNOR1YiLCJlIjo0MTAyNDQ0ODAwfQ"
    ".m9EywvOigi4kFbRMSy9kuAgmmy0"
)
MAILED_COMPRESSED = (
    ".eJyrVipRslIyMjAy07Ww0A1x0g118nOB04ZKOkpFQPlgP_cwIDNVycrE0MDIxMTEwsCgFgCjug3O"
    "._Wa3Ijj84w--Em-D6zvQBzgPvvM"
)
MAILED_AGENCY = "eyJnIjoiU05HViIsImUiOjQxMDI0NDQ4MDB9.4Skkll_usH7XMfAhzYWG5MO_09Y"

# Notice numbers as offices write them: "245/TB-UBND", "88/TB-UBND-TB-UBND", odd
# punctuation, Vietnamese letters (ids.py folds them to ASCII), very long ones.
WORDS = st.sampled_from(["TB", "UBND", "VP", "KL", "SNV", "BC", "HĐND", "QĐ", "Sở", "TTg"])
FREE = st.text(
    alphabet=string.ascii_letters + string.digits + "ĐđăâêôơưạếỷÀ._()&+", min_size=1, max_size=12
).filter(lambda s: any(c.isalnum() for c in s))
SUFFIX = st.one_of(
    st.lists(st.one_of(WORDS, FREE), min_size=1, max_size=14).map("-".join),
    st.integers(min_value=2, max_value=24).map(lambda k: "-".join(["TB-UBND"] * k)),
)
NUMBERS = st.builds(lambda n, s: f"{n}/{s}", st.integers(min_value=1, max_value=10**7), SUFFIX)
ISSUABLE = NUMBERS.filter(lambda n: len(n) <= NUMBER_MAX)  # the longest a notice may have
CODES = st.text(alphabet=string.ascii_uppercase + string.digits + "-_", min_size=1, max_size=64)


@given(
    number=NUMBERS,
    year=st.integers(min_value=1900, max_value=2999),
    position=st.integers(min_value=1, max_value=200),
    recipient=CODES,
)
@example(number="88/TB-UBND-TB-UBND", year=2026, position=1, recipient="SNGV")
@settings(max_examples=300, deadline=None)
def test_a_link_for_any_task_id_reads_back_as_its_grant(
    number: str, year: int, position: int, recipient: str
) -> None:
    grant = LinkGrant(
        task_id=task_id(notice_key(number, date(year, 1, 1)), position),
        recipient=recipient,
        expires=LATER,
    )
    token = sign_link(grant, KEYS)
    assert read_link(token, KEYS, NOW) == grant
    # Its forms, and the agency's own page, open alike.
    form = sign_form(token, "complete", "n-1", KEYS)
    assert read_form(form, token, "complete", KEYS) == "n-1"
    assert read_agency_link(sign_agency_link(recipient, LATER, KEYS), KEYS, NOW) == AgencyGrant(
        recipient, LATER
    )


def test_the_probe_s_task_id_gets_a_compressed_link_that_opens() -> None:
    grant = LinkGrant(task_id="2026-88-TB-UBND-TB-UBND-1", recipient="SNGV", expires=LATER)
    token = sign_link(grant, KEYS)
    assert token.startswith(".")  # the shape the old reader refused as malformed
    assert read_link(token, KEYS, NOW) == grant


def test_links_mailed_before_the_fix_still_open_after_a_key_rotation() -> None:
    rotated = [*KEYS, MAILED_KEY]
    assert read_link(MAILED_PLAIN, rotated, NOW) == LinkGrant(
        "2026-245-TB-UBND-1", "SNGV", 4102444800
    )
    assert read_link(MAILED_COMPRESSED, rotated, NOW) == LinkGrant(
        "2026-88-TB-UBND-TB-UBND-1", "SNGV", 4102444800
    )
    assert read_agency_link(MAILED_AGENCY, rotated, NOW) == AgencyGrant("SNGV", 4102444800)


# ---------------------------------------------------------------- through the agency page


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Web]]:
    folder: Path = tmp_path_factory.mktemp("links")
    settings = seeded_settings(folder).model_copy(
        update={
            "secret_key": SecretStr(KEYS[0]),
            "old_secret_keys": [SecretStr(MAILED_KEY)],
        }
    )
    app = create_app(settings)
    app.state.temporal = DownClient()
    yield settings, Web(app)


def _issued(settings: Settings, number: str) -> tuple[str, str]:
    """(id, work) of the first task of a notice with this number, in the read model.

    Two numbers may fold to one key ("1/C.V" and "1/C-V"): the first one issued stays.
    """
    today = datetime.now(UTC).date()
    document = notice_document(number, today, work=f"Triển khai nhiệm vụ theo thông báo {number}")
    first = task_id(notice_key(number, today), 1)
    with session_scope(settings.database_url) as session:
        row = get_task(session, first)
        if row is not None:
            return first, spec_of(row).work
    into_read_model(settings, document)
    return first, document["tasks"][0]["work"]


@given(number=ISSUABLE)
@example(number="88/TB-UBND-TB-UBND")
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_mailed_link_opens_the_agency_page(stack: tuple[Settings, Web], number: str) -> None:
    settings, web = stack
    task, work = _issued(settings, number)
    expires = int((datetime.now(UTC) + timedelta(days=settings.link_ttl_days)).timestamp())
    for recipient in ("SNGV", "STC"):  # the owner and the coordinator
        token = sign_link(LinkGrant(task, recipient, expires), settings.signing_keys())
        page = web.get(f"/t/{token}")
        assert page.status_code == 200, (token, page.text[:300])
        assert str(escape(work)) in page.text


def test_links_mailed_before_the_fix_open_their_pages(
    stack: tuple[Settings, Web],
) -> None:
    settings, web = stack
    for number in ("245/TB-UBND", "88/TB-UBND-TB-UBND"):
        document = notice_document(number, date(2026, 11, 20))
        with session_scope(settings.database_url) as session:
            if get_task(session, task_id(notice_key(number, date(2026, 11, 20)), 1)) is None:
                into_read_model(settings, document)
    for token in (MAILED_PLAIN, MAILED_COMPRESSED):
        assert web.get(f"/t/{token}").status_code == 200
    agency = web.get(f"/t/agency/{MAILED_AGENCY}")
    assert agency.status_code == 200
    # The agency page's own links to each task open too (some of them are compressed).
    for link in sorted(set(_task_links(agency.text))):
        assert web.get(link).status_code == 200, link


def _task_links(html: str) -> list[str]:
    return re.findall(r'href="(/t/[^"/]+)"', html)
