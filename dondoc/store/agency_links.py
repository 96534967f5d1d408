"""Revoking every link one agency holds, without rotating the key for everyone.

Each agency has a link generation, signed into every link it is given: its own page
(``/t/agency/…``, valid 90 days, which mints links to all its tasks), the task links
that page mints, and the task links mailed to it. A link opens only while its generation
is the agency's current one, so raising it by one cuts all of them at once, and the next
mail to the agency carries links of the new generation. The other agencies' links, and
this agency's future ones, are untouched. Agencies start at 0, which is what links
signed before generations existed read as: they go on opening until a first revocation.

Each revocation is recorded with who asked, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dondoc.domain.tokens import MAX_GENERATION
from dondoc.store.tables import AgencyRow, LinkRevocationRow

MAX_REASON = 500


class RevocationRefused(ValueError):
    """The revocation was not made; the message says why, for the person who asked."""


@dataclass(frozen=True, slots=True)
class Revocation:
    agency: str
    generation: int
    reason: str
    revoked_by: str
    revoked_at: datetime


def link_generation(session: Session, agency: str) -> int:
    """The generation a link of ``agency`` must carry to open now (0 for a code the
    directory lacks, which opens nothing anyway)."""
    row = session.get(AgencyRow, agency)
    return row.link_generation if row is not None else 0


def revoke_links(
    session: Session, agency: str, *, reason: str, by: str, now: datetime
) -> Revocation:
    """Raise ``agency``'s link generation by one and record why; RevocationRefused when
    there is no such agency or no reason."""
    row = session.get(AgencyRow, agency)
    if row is None:
        raise RevocationRefused(f"Không có đơn vị mã «{agency}» trong danh bạ.")
    text = " ".join(reason.split())
    if not text:
        raise RevocationRefused("Vui lòng nhập lý do thu hồi đường dẫn.")
    if len(text) > MAX_REASON:
        raise RevocationRefused(f"Lý do quá dài (tối đa {MAX_REASON} ký tự).")
    if row.link_generation >= MAX_GENERATION:
        raise RevocationRefused("Đơn vị đã bị thu hồi đường dẫn quá nhiều lần.")
    # Raised in SQL, not in Python: two revocations at once make two generations.
    generation = session.execute(
        update(AgencyRow)
        .where(AgencyRow.code == row.code)
        .values(link_generation=AgencyRow.link_generation + 1)
        .returning(AgencyRow.link_generation)
        .execution_options(synchronize_session="fetch")
    ).scalar_one()
    session.add(
        LinkRevocationRow(
            agency=row.code, generation=generation, reason=text, revoked_by=by, revoked_at=now
        )
    )
    return Revocation(row.code, generation, text, by, now)


def last_revocations(session: Session) -> dict[str, Revocation]:
    """The latest revocation of each agency that had one, by agency code."""
    found: dict[str, Revocation] = {}
    rows = session.scalars(select(LinkRevocationRow).order_by(LinkRevocationRow.id))
    for r in rows:
        found[r.agency] = Revocation(r.agency, r.generation, r.reason, r.revoked_by, r.revoked_at)
    return found
