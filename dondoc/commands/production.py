"""What keeps ``dondoc web`` and ``dondoc worker`` from starting as a real deployment.

The defaults exist so that ``dondoc dev`` runs with nothing set; the same defaults in a
deployment are holes. The development secret key is published in this repository, so
anyone could sign a working link with it; a short key can be guessed offline from one
link; and the first admin's password was printed on a developer's terminal. Each refusal
says in Vietnamese exactly what to set or run.
"""

from __future__ import annotations

from dondoc.settings import DEV_SECRET, Settings, variable

MIN_SECRET_BYTES = 32
MAKE_KEY = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


def refusals(settings: Settings) -> list[str]:
    """Every reason not to start, in the operator's words; empty inside ``dondoc dev``.
    The services ask for the two parts apart (``cli.services``): the keys need no schema."""
    if settings.dev_stack:
        return []
    return key_refusals(settings) + admin_refusals(settings.database_url)


def key_refusals(settings: Settings) -> list[str]:
    key = variable("secret_key")
    how = (
        f"Đặt {key} (hoặc {key}_FILE trỏ tới tệp chứa khoá) là một chuỗi ngẫu nhiên ít nhất "
        f"{MIN_SECRET_BYTES} byte, ví dụ tạo bằng: {MAKE_KEY}"
    )
    secret = settings.secret_key.get_secret_value()
    found: list[str] = []
    if secret == DEV_SECRET:
        found.append(
            f"{key} chưa được đặt: đang dùng khoá phát triển công khai, ai cũng ký được "
            f"đường dẫn hợp lệ bằng khoá này. {how}"
        )
    elif len(secret.encode()) < MIN_SECRET_BYTES:
        found.append(
            f"{key} quá ngắn ({len(secret.encode())} byte; cần ít nhất {MIN_SECRET_BYTES}). {how}"
        )
    old_keys = [old.get_secret_value() for old in settings.old_secret_keys]
    if DEV_SECRET in old_keys:
        found.append(
            f"{variable('old_secret_keys')} còn chứa khoá phát triển công khai: đường dẫn ký "
            "bằng khoá đó vẫn được chấp nhận. Bỏ khoá đó khỏi danh sách."
        )
    # An old key verifies links as the current one does: a short one is as guessable.
    short = [old for old in old_keys if old != DEV_SECRET and len(old.encode()) < MIN_SECRET_BYTES]
    if short:
        found.append(
            f"{variable('old_secret_keys')} có {len(short)} khoá ngắn hơn {MIN_SECRET_BYTES} "
            "byte: đường dẫn ký bằng khoá đó vẫn được chấp nhận và khoá ngắn đoán được. Bỏ "
            "khoá đó khỏi danh sách (mỗi khoá cũ một dòng, hoặc một danh sách JSON)."
        )
    return found


def admin_refusals(database_url: str) -> list[str]:
    """Accounts still on the first-admin password; the schema must be migrated already."""
    from dondoc.store.db import session_scope
    from dondoc.store.users import accounts_with_initial_password

    with session_scope(database_url) as session:
        names = accounts_with_initial_password(session)
    return [
        f"tài khoản «{name}» vẫn dùng mật khẩu ban đầu do `dondoc dev` in ra. "
        f"Đặt mật khẩu mới: dondoc users passwd {name}"
        for name in names
    ]
