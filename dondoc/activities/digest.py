"""The morning digest activity: one mail per agency that asked for it, on working days."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import structlog
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from temporalio import activity

from dondoc.activities.message import Envelope, build_message
from dondoc.activities.relay_sessions import RelaySessions
from dondoc.activities.smtp import deliver, open_session
from dondoc.domain.digest import Digest, DigestItem, build_digest
from dondoc.domain.formatting import format_date, format_moment
from dondoc.domain.mail import message_id
from dondoc.domain.task import STATE_LABELS
from dondoc.domain.tokens import sign_agency_link
from dondoc.settings import Settings
from dondoc.store.calendars import calendar_in_force
from dondoc.store.db import session_scope
from dondoc.store.outbox import OutboxStatus, mark, reserve
from dondoc.store.tables import AgencyRow, OutboxRow
from dondoc.store.tasks import list_tasks

log = structlog.get_logger(__name__)

_env = Environment(
    loader=PackageLoader("dondoc.activities", "templates/digest"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["moment"] = format_moment
_env.globals["STATE_LABELS"] = {s.value: label for s, label in STATE_LABELS.items()}


class DigestActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sessions = RelaySessions(lambda: open_session(settings))

    def _digests(self, day: date, now: datetime) -> list[tuple[AgencyRow, Digest]]:
        with session_scope(self._settings.database_url) as session:
            cal = calendar_in_force(session, self._settings, day)
        if not cal.is_working_day(day):
            return []
        found: list[tuple[AgencyRow, Digest]] = []
        with session_scope(self._settings.database_url) as session:
            agencies = list(session.scalars(select(AgencyRow).where(AgencyRow.digest.is_(True))))
            for agency in agencies:
                items = [
                    DigestItem(
                        task_id=r.id,
                        notice_number=r.notice_number,
                        work=r.work,
                        deadline=r.deadline_at,
                        deadline_phrase=r.deadline_phrase,
                        state=r.state,
                    )
                    for r in list_tasks(session, owner=agency.code, open_only=True)
                ]
                if items:
                    found.append((agency, build_digest(agency.code, day, items, cal, now)))
        return found

    def _reserve(self, row: OutboxRow) -> OutboxStatus:
        with session_scope(self._settings.database_url) as session:
            return OutboxStatus(reserve(session, row).status)

    def _mark(self, key: str, status: OutboxStatus, error: str | None = None) -> None:
        with session_scope(self._settings.database_url) as session:
            mark(session, key, status, now=datetime.now(UTC), error=error)

    @activity.defn(name="send_digests")
    async def send_digests(self, day: date) -> int:
        """Mail each opted-in agency its digest for ``day``; nothing on days off. Idempotent."""
        now = datetime.now(UTC)
        digests = await asyncio.to_thread(self._digests, day, now)
        domain = self._settings.mail_from.rpartition("@")[2].rstrip(">") or "dondoc.local"
        base = self._settings.public_url.rstrip("/")
        sent = 0
        for agency, digest in digests:
            key = f"digest:{agency.code}:{day.isoformat()}"
            expires = int((now + timedelta(days=self._settings.link_ttl_days)).timestamp())
            context = {
                "agency": agency,
                "digest": digest,
                "day_label": format_date(day),
                "agency_link": f"{base}/t/agency/{sign_agency_link(agency.code, expires, self._settings.signing_keys(), agency.link_generation)}",
            }
            subject = f"[Đôn đốc] Tổng hợp nhiệm vụ ngày {day:%d/%m/%Y}: {digest.total} nhiệm vụ, {len(digest.overdue)} quá hạn"
            msg_id = message_id(key, domain)
            message = build_message(
                Envelope(
                    subject=subject,
                    sender=self._settings.mail_from,
                    to=[(agency.name, agency.email)],
                    cc=[],
                    reply_to=self._settings.mail_reply_to or self._settings.mail_from,
                    message_id=msg_id,
                    thread_root=None,
                    date=now,
                    extra={"X-Dondoc-Kind": "digest", "X-Dondoc-Agency": agency.code},
                ),
                _env.get_template("digest.txt.j2").render(context),
                _env.get_template("digest.html.j2").render(context),
            )
            envelope = [agency.email, *agency.cc]
            status = await asyncio.to_thread(
                self._reserve,
                OutboxRow(
                    key=key,
                    task_id=f"digest:{agency.code}",
                    event_id=key,
                    kind="digest",
                    recipient=agency.code,
                    to_addrs=envelope,
                    cc_addrs=[],
                    subject=subject,
                    message_id=msg_id,
                    status=OutboxStatus.PENDING.value,
                    attempts=0,
                    created_at=now,
                ),
            )
            if status in (OutboxStatus.SENT, OutboxStatus.BOUNCED):
                continue
            refused = await deliver(self._settings, message, envelope, self._sessions)
            await asyncio.to_thread(
                self._mark,
                key,
                OutboxStatus.BOUNCED if refused else OutboxStatus.SENT,
                refused.reason if refused else None,
            )
            sent += 0 if refused else 1
        log.info("digests_sent", day=day.isoformat(), sent=sent)
        return sent
