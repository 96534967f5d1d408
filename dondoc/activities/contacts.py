"""Resolve the codes a workflow speaks in to the names and addresses mail needs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from dondoc.domain.directory import OFFICE_CODE
from dondoc.store.agency_links import link_generation
from dondoc.store.directory import get_agency, get_leader, get_office


@dataclass(frozen=True, slots=True)
class Contact:
    code: str
    name: str
    email: str
    cc: tuple[str, ...]
    is_agency: bool
    link_generation: int = 0
    """An agency's current link generation, signed into the links it is mailed."""


def resolve(session: Session, code: str) -> Contact | None:
    """The contact for an agency, leader or office code; None if the directory lacks it."""
    if code == OFFICE_CODE:
        office = get_office(session)
        return (
            None
            if office is None
            else Contact(code, office.name, office.email, tuple(office.cc), False)
        )
    agency = get_agency(session, code)
    if agency is not None:
        return Contact(
            code,
            agency.name,
            agency.email,
            tuple(agency.cc),
            True,
            link_generation(session, code),
        )
    leader = get_leader(session, code)
    if leader is not None:
        return Contact(
            code, f"đồng chí {leader.name}, {leader.title}", leader.email, tuple(leader.cc), False
        )
    return None
