"""Signed links: a token grants one recipient access to one task, until it expires.

Built on itsdangerous, which signs with the newest key and verifies with any of the
listed ones, so the secret can be rotated without breaking links already mailed.

A token is ``payload.signature``, or ``.payload.signature`` when itsdangerous found the
zlib-compressed payload shorter (long or repetitive task ids); both shapes are read, so
every link ever mailed opens. What a signed payload says is still checked: a key holder's
mistake (or a leaked key) must give a readable refusal, not a crash.

A link also carries its recipient's link generation (``v``), a number the office raises to
revoke every link the agency holds (``store.agency_links``); the reader compares it with
the agency's current one. Generation 0 is left out of the payload, so a link signed
before generations existed reads as 0 and opens, and a generation-0 link is signed to the
very same bytes as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from itsdangerous import BadPayload, BadSignature, URLSafeSerializer

LINK_SALT = "dondoc.link.v1"
FORM_SALT = "dondoc.form.v1"
AGENCY_SALT = "dondoc.agency.v1"

MAX_TOKEN_LENGTH = 2048
"""Far above any token we sign (a few hundred characters); a longer one is not ours."""
LATEST_EXPIRY = 253402300799
"""23:59:59 on 31/12/9999, the last moment a datetime can hold; no link is signed past it."""
MAX_GENERATION = 2**31 - 1
"""The largest link generation a payload may carry (the column is a 32-bit integer)."""


class TokenProblem(StrEnum):
    MALFORMED = "malformed"
    FORGED = "forged"
    EXPIRED = "expired"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


TOKEN_PROBLEM_TEXT: dict[TokenProblem, str] = {
    TokenProblem.MALFORMED: "Đường dẫn không đầy đủ hoặc đã bị cắt mất một phần.",
    TokenProblem.FORGED: "Đường dẫn không hợp lệ: chữ ký không khớp (có thể đã bị sửa).",
    TokenProblem.EXPIRED: "Đường dẫn đã hết hạn sử dụng.",
    TokenProblem.REVOKED: "Đường dẫn đã bị thu hồi (nhiệm vụ đã được giao cho đơn vị khác).",
    TokenProblem.WITHDRAWN: (
        "Đường dẫn đã bị Văn phòng UBND tỉnh thu hồi. Vui lòng dùng đường dẫn trong thư mới "
        "nhất gửi cho đơn vị, hoặc liên hệ Văn phòng để được gửi lại."
    ),
}


class InvalidToken(ValueError):
    def __init__(self, problem: TokenProblem) -> None:
        self.problem = problem
        super().__init__(TOKEN_PROBLEM_TEXT[problem])


@dataclass(frozen=True, slots=True)
class LinkGrant:
    """What a link lets its holder do: act on ``task_id`` as ``recipient`` until ``expires``,
    while ``recipient``'s link generation is still ``generation``."""

    task_id: str
    recipient: str
    expires: int  # unix seconds
    generation: int = 0

    def is_expired(self, now: datetime) -> bool:
        return now.timestamp() >= self.expires


def _serializer(keys: list[str], salt: str) -> URLSafeSerializer:
    # itsdangerous signs with the LAST key and accepts all of them.
    return URLSafeSerializer(list(reversed(keys)), salt=salt)


def _well_formed(token: str) -> bool:
    """``payload.signature``, the payload led by ``.`` when itsdangerous compressed it."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    payload, dot, signature = token.removeprefix(".").partition(".")
    return bool(dot and payload and signature) and "." not in signature


def _loads(token: str, keys: list[str], salt: str) -> object:
    """The signed payload; InvalidToken when the token is cut, altered or not ours."""
    if not _well_formed(token):
        raise InvalidToken(TokenProblem.MALFORMED)
    try:
        return _serializer(keys, salt).loads(token)
    except BadSignature:
        raise InvalidToken(TokenProblem.FORGED) from None
    except BadPayload:  # signed, but not JSON (or not zlib after a ".")
        raise InvalidToken(TokenProblem.MALFORMED) from None


def _text(payload: object, field: str) -> str:
    value = payload.get(field) if isinstance(payload, dict) else None
    if not isinstance(value, str) or not value:
        raise InvalidToken(TokenProblem.MALFORMED)
    return value


def _expiry(payload: object) -> int:
    """The expiry as unix seconds; anything but a plausible integer (a float, ``Infinity``,
    NaN, 10**400, a boolean) is malformed rather than an OverflowError later on."""
    value = payload.get("e") if isinstance(payload, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= LATEST_EXPIRY:
        raise InvalidToken(TokenProblem.MALFORMED)
    return value


def _generation(payload: object) -> int:
    """The link generation; absent in links signed before generations (and for 0)."""
    value = payload.get("v", 0) if isinstance(payload, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_GENERATION:
        raise InvalidToken(TokenProblem.MALFORMED)
    return value


def _with_generation(payload: dict[str, object], generation: int) -> dict[str, object]:
    if not 0 <= generation <= MAX_GENERATION:
        raise ValueError(f"link generation out of range: {generation}")
    return {**payload, "v": generation} if generation else payload


def sign_link(grant: LinkGrant, keys: list[str]) -> str:
    payload: dict[str, object] = {"t": grant.task_id, "r": grant.recipient, "e": grant.expires}
    return _serializer(keys, LINK_SALT).dumps(_with_generation(payload, grant.generation))


def read_link(token: str, keys: list[str], now: datetime) -> LinkGrant:
    """The grant in ``token``; raise InvalidToken saying which way it is wrong."""
    payload = _loads(token, keys, LINK_SALT)
    grant = LinkGrant(
        task_id=_text(payload, "t"),
        recipient=_text(payload, "r"),
        expires=_expiry(payload),
        generation=_generation(payload),
    )
    if grant.is_expired(now):
        raise InvalidToken(TokenProblem.EXPIRED)
    return grant


def sign_form(link_token: str, action: str, nonce: str, keys: list[str]) -> str:
    """A per-form token: proves the POST comes from a form we rendered for this link.

    The nonce makes each rendered form unique; it becomes the action's idempotency key,
    so a double submit of one form is one action, and two reports are two.
    """
    return _serializer(keys, FORM_SALT).dumps({"l": link_token[-24:], "a": action, "n": nonce})


def read_form(form_token: str, link_token: str, action: str, keys: list[str]) -> str | None:
    """The form's nonce if it was rendered for this link and action, else None."""
    try:
        payload = _loads(form_token, keys, FORM_SALT)
    except InvalidToken:
        return None
    if (
        not isinstance(payload, dict)
        or payload.get("l") != link_token[-24:]
        or payload.get("a") != action
    ):
        return None
    nonce = payload.get("n")
    return nonce if isinstance(nonce, str) and nonce else None


@dataclass(frozen=True, slots=True)
class AgencyGrant:
    """What an agency link opens: ``agency``'s own page until ``expires``, while its link
    generation is still ``generation``; the task links it mints inherit all three."""

    agency: str
    expires: int  # unix seconds
    generation: int = 0


def sign_agency_link(agency: str, expires: int, keys: list[str], generation: int = 0) -> str:
    """A link to one agency's own page: all its open tasks."""
    payload: dict[str, object] = {"g": agency, "e": expires}
    return _serializer(keys, AGENCY_SALT).dumps(_with_generation(payload, generation))


def read_agency_link(token: str, keys: list[str], now: datetime) -> AgencyGrant:
    """The grant of an agency link; raise InvalidToken saying what is wrong."""
    payload = _loads(token, keys, AGENCY_SALT)
    grant = AgencyGrant(_text(payload, "g"), _expiry(payload), _generation(payload))
    if now.timestamp() >= grant.expires:
        raise InvalidToken(TokenProblem.EXPIRED)
    return grant
