"""Directory queries: load the YAML file, resolve codes to names and addresses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dondoc.domain.directory import OFFICE_CODE, Agency, AgencyGroup, Directory, Leader, Office
from dondoc.store.tables import AgencyGroupRow, AgencyRow, LeaderRow, OfficeRow


@dataclass(frozen=True, slots=True)
class LoadCounts:
    added: int
    updated: int


def load_directory(session: Session, directory: Directory) -> LoadCounts:
    """Upsert every entry by code; entries absent from the file are left as they are."""
    added = updated = 0
    rows: list[
        tuple[type[AgencyRow] | type[LeaderRow] | type[OfficeRow] | type[AgencyGroupRow], dict]
    ] = []
    if directory.office:
        rows.append((OfficeRow, directory.office.model_dump(mode="json")))
    rows += [(LeaderRow, leader.model_dump(mode="json")) for leader in directory.leaders]
    rows += [(AgencyRow, agency.model_dump(mode="json")) for agency in directory.agencies]
    rows += [(AgencyGroupRow, group.model_dump(mode="json")) for group in directory.groups]
    for table, values in rows:
        row = session.get(table, values["name"] if table is AgencyGroupRow else values["code"])
        if row is None:
            session.add(table(**values))
            added += 1
        else:
            for name, value in values.items():
                setattr(row, name, value)
            updated += 1
    return LoadCounts(added=added, updated=updated)


def agency_codes(session: Session) -> set[str]:
    return set(session.scalars(select(AgencyRow.code)))


def leader_codes(session: Session) -> set[str]:
    return set(session.scalars(select(LeaderRow.code)))


def get_agency(session: Session, code: str) -> Agency | None:
    row = session.get(AgencyRow, code)
    return None if row is None else Agency.model_validate(row, from_attributes=True)


def get_leader(session: Session, code: str) -> Leader | None:
    row = session.get(LeaderRow, code)
    return None if row is None else Leader.model_validate(row, from_attributes=True)


def get_office(session: Session) -> Office | None:
    row = session.get(OfficeRow, OFFICE_CODE) or session.scalars(select(OfficeRow)).first()
    return None if row is None else Office.model_validate(row, from_attributes=True)


def export_directory(session: Session) -> Directory:
    return Directory(
        office=get_office(session),
        leaders=[
            Leader.model_validate(r, from_attributes=True)
            for r in session.scalars(select(LeaderRow).order_by(LeaderRow.code))
        ],
        agencies=[
            Agency.model_validate(r, from_attributes=True)
            for r in session.scalars(select(AgencyRow).order_by(AgencyRow.code))
        ],
        groups=[
            AgencyGroup.model_validate(r, from_attributes=True)
            for r in session.scalars(select(AgencyGroupRow).order_by(AgencyGroupRow.name))
        ],
    )


def display_name(session: Session, code: str) -> str:
    """A person-readable name for any code: agency, leader or the office."""
    for table in (AgencyRow, LeaderRow, OfficeRow):
        row = session.get(table, code)
        if row is not None:
            return row.name
    return code
