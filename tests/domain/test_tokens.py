"""Links grant one recipient one task until they expire; any tampering is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dondoc.domain.tokens import (
    InvalidToken,
    LinkGrant,
    TokenProblem,
    read_form,
    read_link,
    sign_form,
    sign_link,
)

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
KEYS = ["current-secret"]
GRANT = LinkGrant(
    task_id="2026-245-TB-UBND-1",
    recipient="SNGV",
    expires=int((NOW + timedelta(days=30)).timestamp()),
)


def test_a_signed_link_reads_back_as_its_grant() -> None:
    assert read_link(sign_link(GRANT, KEYS), KEYS, NOW) == GRANT


def test_an_expired_link_is_refused_as_expired() -> None:
    with pytest.raises(InvalidToken) as caught:
        read_link(sign_link(GRANT, KEYS), KEYS, NOW + timedelta(days=31))
    assert caught.value.problem == TokenProblem.EXPIRED


def test_a_link_signed_with_another_secret_is_forged() -> None:
    with pytest.raises(InvalidToken) as caught:
        read_link(sign_link(GRANT, ["someone-else"]), KEYS, NOW)
    assert caught.value.problem == TokenProblem.FORGED


def test_rotation_keeps_old_links_working_and_signs_with_the_new_key() -> None:
    old = sign_link(GRANT, ["old-secret"])
    rotated = ["new-secret", "old-secret"]
    assert read_link(old, rotated, NOW) == GRANT
    assert read_link(sign_link(GRANT, rotated), ["new-secret"], NOW) == GRANT


def test_a_truncated_link_is_malformed() -> None:
    with pytest.raises(InvalidToken) as caught:
        read_link(sign_link(GRANT, KEYS).split(".")[0], KEYS, NOW)
    assert caught.value.problem == TokenProblem.MALFORMED


@settings(max_examples=300)
@given(
    position=st.integers(min_value=0), char=st.characters(codec="ascii", exclude_characters="\x00")
)
def test_no_single_character_change_is_accepted(position: int, char: str) -> None:
    token = sign_link(GRANT, KEYS)
    i = position % len(token)
    mutated = token[:i] + char + token[i + 1 :]
    if mutated == token:
        return
    try:
        grant = read_link(mutated, KEYS, NOW)
    except InvalidToken:
        return
    # base64 padding bits can absorb a change of the last character without changing the bytes
    assert grant == GRANT


def test_a_form_token_is_bound_to_its_link_and_action_and_carries_its_nonce() -> None:
    link = sign_link(GRANT, KEYS)
    form = sign_form(link, "acknowledge", "n-1", KEYS)
    assert read_form(form, link, "acknowledge", KEYS) == "n-1"
    assert read_form(form, link, "complete", KEYS) is None
    other = sign_link(
        LinkGrant(task_id="2026-245-TB-UBND-2", recipient="SNGV", expires=GRANT.expires), KEYS
    )
    assert read_form(form, other, "acknowledge", KEYS) is None
    assert read_form(form + "x", link, "acknowledge", KEYS) is None
