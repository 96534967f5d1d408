"""Console accounts, their browser sessions, and the API tokens of integrations.

Passwords are hashed with argon2 (argon2-cffi's defaults, rehashed when they change).
Session cookies and API tokens are long random strings; only their SHA-256 is stored,
which is enough for values nobody can guess and lets every request be checked with one
indexed lookup instead of a deliberately slow hash.

An API token carries the scopes chosen when it was created (``ApiScope``), ``read`` only
unless more were asked for: a leaked token of a dashboard cannot issue notices or cancel
tasks. Tokens made before scopes existed keep everything they could do (migration 0011).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dondoc.settings import Settings
from dondoc.store.tables import ApiTokenRow, ConsoleSessionRow, LeaderRow, UserRow


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    LEADER = "leader"


class ApiScope(StrEnum):
    """What an API token may do; each route of /api/v1/ needs exactly one of these."""

    READ = "read"
    """Every GET: notices, tasks, one task's story."""
    ISSUE_NOTICES = "notices:issue"
    """POST /api/v1/notices (the dry run included)."""
    ACT_ON_TASKS = "tasks:act"
    """The office's actions on a task (extension and deadline decisions, reassign, confirm,
    return a report, cancel, reopen) and resending one of its mails."""


SCOPE_LABELS: dict[ApiScope, str] = {
    ApiScope.READ: "Đọc thông báo, nhiệm vụ và diễn biến",
    ApiScope.ISSUE_NOTICES: "Ban hành thông báo kết luận",
    ApiScope.ACT_ON_TASKS: (
        "Thao tác của Văn phòng trên nhiệm vụ (gia hạn, giao lại, xác nhận, trả lại, hủy, "
        "mở lại) và gửi lại thư"
    ),
}
DEFAULT_SCOPES = frozenset({ApiScope.READ})


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Quản trị hệ thống",
    Role.OFFICE: "Chuyên viên Văn phòng",
    Role.LEADER: "Lãnh đạo (chỉ xem)",
}

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
DISPLAY_NAME_MAX = 300
"""The column's width, which PostgreSQL enforces (SQLite would keep any length)."""
MIN_PASSWORD = 10
FIRST_ADMIN = "admin"
# A browser stays signed in while used; an idle one is signed out after this long.
SESSION_IDLE = timedelta(hours=12)
SESSION_MAX = timedelta(days=7)
# Sliding the expiry writes a row; once in a while is enough and spares SQLite's writer.
TOUCH_EVERY = timedelta(minutes=5)
API_TOKEN_PREFIX = "ddk_"

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a
# wrong password and response times do not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A refused account change, in words for the person who asked (field first)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_password() -> str:
    """Sixteen URL-safe characters (96 bits): easy to paste, impossible to guess."""
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError("password", f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")


def _display_name(given: str, fallback: str) -> str:
    name = given.strip() or fallback
    if len(name) > DISPLAY_NAME_MAX:
        raise UserError("display_name", f"Tên hiển thị quá dài (tối đa {DISPLAY_NAME_MAX} ký tự).")
    return name


def _check_role(session: Session, role: str, leader_code: str | None) -> tuple[Role, str | None]:
    try:
        parsed = Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise UserError(
            "role", f"Vai trò «{role}» không hợp lệ; chọn một trong: {names}."
        ) from None
    if parsed != Role.LEADER:
        return parsed, None
    code = (leader_code or "").strip().upper()
    if not code:
        raise UserError("leader_code", "Tài khoản lãnh đạo cần mã lãnh đạo (ví dụ PCT-VINH).")
    if session.get(LeaderRow, code) is None:
        raise UserError("leader_code", f"Không có lãnh đạo mã «{code}» trong danh bạ.")
    return parsed, code


def get_user(session: Session, username: str) -> UserRow | None:
    return session.get(UserRow, username.strip().lower())


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def add_user(
    session: Session,
    username: str,
    *,
    role: str,
    password: str,
    display_name: str = "",
    leader_code: str | None = None,
) -> UserRow:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise UserError(
            "username",
            "Tên đăng nhập gồm 2–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch ngang.",
        )
    if session.get(UserRow, name) is not None:
        raise UserError("username", f"Tên đăng nhập «{name}» đã có.")
    parsed, code = _check_role(session, role, leader_code)
    _check_password(password)
    shown = _display_name(display_name, name)
    now = _now()
    row = UserRow(
        username=name,
        display_name=shown,
        role=parsed.value,
        leader_code=code,
        password_hash=hash_password(password),
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _existing(session: Session, username: str) -> UserRow:
    row = get_user(session, username)
    if row is None:
        raise UserError("username", f"Không có tài khoản «{username}».")
    return row


def update_user(
    session: Session,
    username: str,
    *,
    role: str,
    display_name: str,
    leader_code: str | None,
    active: bool,
) -> UserRow:
    row = _existing(session, username)
    parsed, code = _check_role(session, role, leader_code)
    shown = _display_name(display_name, row.username)
    if (
        row.role == Role.ADMIN
        and (parsed != Role.ADMIN or not active)
        and _last_admin(session, row)
    ):
        raise UserError("role", "Không thể bỏ quyền quản trị của tài khoản quản trị cuối cùng.")
    row.role, row.leader_code, row.active = parsed.value, code, active
    row.display_name = shown
    row.updated_at = _now()
    if not active:
        close_sessions_of(session, row.username)
    return row


def _last_admin(session: Session, row: UserRow) -> bool:
    others = session.scalar(
        select(func.count())
        .select_from(UserRow)
        .where(UserRow.role == Role.ADMIN.value, UserRow.active, UserRow.username != row.username)
    )
    return not others


def set_password(session: Session, username: str, password: str) -> UserRow:
    """New password; every browser signed in with the old one is signed out."""
    row = _existing(session, username)
    _check_password(password)
    row.password_hash = hash_password(password)
    row.initial_password = False
    row.updated_at = _now()
    close_sessions_of(session, row.username)
    return row


def disable_user(session: Session, username: str) -> UserRow:
    row = _existing(session, username)
    if row.role == Role.ADMIN and row.active and _last_admin(session, row):
        raise UserError("username", "Không thể khóa tài khoản quản trị cuối cùng.")
    row.active = False
    row.updated_at = _now()
    close_sessions_of(session, row.username)
    return row


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    """The active user with this password, or None; takes the same time either way."""
    row = get_user(session, username)
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    row.last_login_at = _now()
    return row


# ---------------------------------------------------------------------------- sessions


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Who a console request comes from, detached from any database session."""

    username: str
    display_name: str
    role: Role
    leader_code: str | None
    csrf_token: str

    @property
    def actor(self) -> str:
        """The actor name the workflow records: ``user:NAME``."""
        return f"user:{self.username}"

    @property
    def can_act(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICE)


def open_session(session: Session, user: UserRow, address: str) -> str:
    """A new browser session for ``user``; the cookie value, returned once."""
    cookie = secrets.token_urlsafe(32)
    now = _now()
    session.add(
        ConsoleSessionRow(
            id_hash=_digest(cookie),
            username=user.username,
            csrf_token=secrets.token_urlsafe(32),
            address=address[:64],
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_IDLE,
        )
    )
    # Sign-in is a good moment to forget sessions nobody will come back to.
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now))
    return cookie


def read_session(session: Session, cookie: str) -> SignedIn | None:
    """The signed-in user of this cookie, sliding its expiry; None if unknown or expired."""
    if not cookie or len(cookie) > 200:
        return None
    row = session.get(ConsoleSessionRow, _digest(cookie))
    now = _now()
    if row is None or row.expires_at <= now or row.created_at + SESSION_MAX <= now:
        return None
    user = session.get(UserRow, row.username)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        row.expires_at = min(now + SESSION_IDLE, row.created_at + SESSION_MAX)
    return SignedIn(
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        leader_code=user.leader_code,
        csrf_token=row.csrf_token,
    )


def close_session(session: Session, cookie: str) -> None:
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.id_hash == _digest(cookie)))


def close_sessions_of(session: Session, username: str) -> None:
    session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.username == username))


# -------------------------------------------------------------------------- API tokens


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who an API request comes from, detached from any database session."""

    name: str
    scopes: frozenset[ApiScope]


def parse_scopes(chosen: Iterable[str]) -> frozenset[ApiScope]:
    """The scopes named in ``chosen`` (each may list several, by comma or space); ``read``
    alone when none is named. UserError naming the first unknown one."""
    names = [part for item in chosen for part in re.split(r"[\s,]+", item.strip()) if part]
    scopes: set[ApiScope] = set()
    for part in names:
        try:
            scopes.add(ApiScope(part.lower()))
        except ValueError:
            known = ", ".join(s.value for s in ApiScope)
            raise UserError(
                "scope", f"Phạm vi «{part}» không hợp lệ; chọn trong: {known}."
            ) from None
    return frozenset(scopes) or DEFAULT_SCOPES


def scopes_text(scopes: Iterable[ApiScope]) -> str:
    """The stored (and printed) form: space-separated, in ``ApiScope``'s order."""
    chosen = set(scopes)
    return " ".join(s.value for s in ApiScope if s in chosen)


def scopes_of(row: ApiTokenRow) -> frozenset[ApiScope]:
    """A row's scopes; a name this version does not know (a newer release's) is skipped."""
    known = {s.value: s for s in ApiScope}
    return frozenset(known[part] for part in row.scopes.split() if part in known)


def create_api_token(
    session: Session, name: str, scopes: Iterable[ApiScope] = DEFAULT_SCOPES
) -> str:
    """A new token for integration ``name`` (replacing a revoked one) that may do
    ``scopes``; returned once."""
    clean = name.strip().lower()
    if not USERNAME.match(clean):
        raise UserError(
            "name",
            "Tên tích hợp gồm 2–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch ngang.",
        )
    existing = session.get(ApiTokenRow, clean)
    if existing is not None and existing.revoked_at is None:
        raise UserError("name", f"Tích hợp «{clean}» đã có mã truy cập; thu hồi mã cũ trước.")
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(
        ApiTokenRow(
            name=clean,
            token_hash=_digest(token),
            prefix=token[: len(API_TOKEN_PREFIX) + 4],
            created_at=_now(),
            scopes=scopes_text(frozenset(scopes) or DEFAULT_SCOPES),
        )
    )
    return token


def api_caller(session: Session, token: str) -> ApiCaller | None:
    """The integration and its scopes for a valid, unrevoked token; None otherwise."""
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = _now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
    return ApiCaller(name=row.name, scopes=scopes_of(row))


def verify_api_token(session: Session, token: str) -> str | None:
    """The integration's name for a valid, unrevoked token; None otherwise."""
    caller = api_caller(session, token)
    return None if caller is None else caller.name


def revoke_api_token(session: Session, name: str) -> bool:
    row = session.get(ApiTokenRow, name.strip().lower())
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = _now()
    return True


def list_api_tokens(session: Session) -> list[ApiTokenRow]:
    return list(session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.name)))


# ------------------------------------------------------------------------ first start


def ensure_first_admin(settings: Settings) -> str | None:
    """Create the ``admin`` account when there is no account at all; its password, once.

    ``dondoc dev`` calls this on every start and prints the password it returns; later
    starts find the account and return None, so the password is shown only the first time.
    """
    from dondoc.store.db import migrate, session_scope

    migrate(settings.database_url)
    with session_scope(settings.database_url) as session:
        if session.scalar(select(func.count()).select_from(UserRow)):
            return None
        password = generate_password()
        row = add_user(
            session,
            FIRST_ADMIN,
            role=Role.ADMIN.value,
            password=password,
            display_name="Quản trị hệ thống",
        )
        # Printed on a terminal, so not fit for production until changed.
        row.initial_password = True
        return password


def accounts_with_initial_password(session: Session) -> list[str]:
    """Active accounts still signing in with the password ``dondoc dev`` printed."""
    return list(
        session.scalars(
            select(UserRow.username)
            .where(UserRow.initial_password, UserRow.active)
            .order_by(UserRow.username)
        )
    )
