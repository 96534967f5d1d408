"""Database URLs as operators write them, and values that must come back as they went in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from dondoc.domain.notice import Notice
from dondoc.settings import Settings
from dondoc.store.db import (
    NUL_STAND_IN,
    dispose_engine,
    engine_for,
    migrate,
    session_scope,
    sqlalchemy_url,
)
from dondoc.store.notices import get_notice, record_notice
from dondoc.store.schema import schema_state
from dondoc.store.tables import AgencyRow, UserRow
from dondoc.store.task_search import TaskFilter, search_tasks
from dondoc.store.users import add_user, authenticate
from support.postgres import PostgresCluster

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://dondoc:m%40t%2Fkh%E1%BA%A9u@db.internal:5432/dondoc",
         "postgresql+psycopg://dondoc:m%40t%2Fkh%E1%BA%A9u@db.internal:5432/dondoc"),
        ("postgres://dondoc@db/dondoc?sslmode=verify-full",
         "postgresql+psycopg://dondoc@db/dondoc?sslmode=verify-full"),
        ("postgresql+psycopg://dondoc@db/dondoc", "postgresql+psycopg://dondoc@db/dondoc"),
        ("sqlite:///var/dondoc.db", "sqlite:///var/dondoc.db"),
    ],
)  # fmt: skip
def test_plain_postgres_urls_mean_psycopg_3(given: str, used: str) -> None:
    assert sqlalchemy_url(given) == used


def test_a_plain_postgresql_url_from_the_environment_reaches_the_server(
    postgres: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres.create_database("plain_url")
    plain = postgres.url("plain_url", scheme="postgresql")
    monkeypatch.setenv("DONDOC_DATABASE_URL", plain)
    try:
        settings = Settings()
        assert settings.database_url == plain
        migrate(settings.database_url)
        assert schema_state(settings.database_url).newest
        with session_scope(settings.database_url) as session:
            assert session.get_bind().dialect.driver == "psycopg"
            assert session.scalar(text("SELECT current_setting('application_name')")) == "dondoc"
        named = f"{plain}?application_name=dondoc-web"
        with session_scope(named) as session:  # the URL's own parameters win
            assert session.scalar(text("SELECT current_setting('application_name')")) == (
                "dondoc-web"
            )
        dispose_engine(named)
    finally:
        dispose_engine(plain)
        dispose_engine(url)
        postgres.drop_database("plain_url")


def test_instants_dates_booleans_and_json_come_back_as_they_went_in(database_url: str) -> None:
    """The test cluster's sessions run in Asia/Ho_Chi_Minh: an instant must still come back
    as the same instant, in UTC, whatever zone it was written in."""
    written = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=timezone(timedelta(hours=7)))
    notice = Notice(
        key="2026-77-TB-UBND", number="77/TB-UBND", date=date(2026, 12, 1), leader="PCT-VINH",
        signer=None, subject="Kết luận về «Đề án» — thử nghiệm", tasks=(),
    )  # fmt: skip
    with session_scope(database_url) as session:
        record_notice(session, notice, written)
        add_user(session, "chuyenvien", role="office", password="mot-mat-khau-dai")
    with session_scope(database_url) as session:
        row = get_notice(session, notice.key)
        assert row is not None
        assert row.issued_at == written and row.issued_at.tzinfo == UTC
        assert row.issued_at.hour == 1  # 08:30 at +07 is 01:30 UTC
        assert row.date == date(2026, 12, 1)
        assert row.subject == "Kết luận về «Đề án» — thử nghiệm"
        agency = session.get(AgencyRow, "SNGV")
        assert agency is not None and agency.digest is False and isinstance(agency.cc, list)
        user = session.get(UserRow, "chuyenvien")
        assert user is not None and user.active is True
        assert authenticate(session, "chuyenvien", "mot-mat-khau-dai") is not None


def test_a_naive_datetime_is_refused_before_it_reaches_the_database(database_url: str) -> None:
    notice = Notice(
        key="2026-78-TB-UBND", number="78/TB-UBND", date=date(2026, 12, 1), leader="PCT-VINH",
        signer=None, subject="Kết luận", tasks=(),
    )  # fmt: skip
    with (
        pytest.raises(Exception, match="naive datetime refused"),
        session_scope(database_url) as session,
    ):
        record_notice(session, notice, datetime(2026, 12, 1, 8, 30))
    with session_scope(database_url) as session:
        assert get_notice(session, notice.key) is None


def test_every_engine_of_a_url_is_the_same_until_disposed(database_url: str) -> None:
    first = engine_for(database_url)
    assert engine_for(database_url) is first
    dispose_engine(database_url)
    assert engine_for(database_url) is not first


def test_a_nul_character_is_neither_an_error_nor_a_match(database_url: str) -> None:
    """PostgreSQL's text cannot hold NUL: in a filter it matches nothing, as on SQLite, and
    in a text it is kept as U+FFFD rather than failing the write (and every retry of it)."""
    notice = Notice(
        key="2026-79-TB-UBND", number="79/TB-UBND", date=date(2026, 12, 1), leader="PCT-VINH",
        signer=None, subject="Kết luận\x00 về Đề án", tasks=(),
    )  # fmt: skip
    with session_scope(database_url) as session:
        record_notice(session, notice, NOW)
    with session_scope(database_url) as session:
        row = get_notice(session, notice.key)
        assert row is not None
        assert row.subject.replace(NUL_STAND_IN, "\x00") == "Kết luận\x00 về Đề án"
        assert search_tasks(session, TaskFilter(owner="SNGV\x00", leader="\x00"), NOW).total == 0
        assert get_notice(session, "2026-79\x00") is None
