"""Who the system writes to: the office, the leaders who conclude, the agencies that act."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

OFFICE_CODE = "VP"
_ADDRESS = re.compile(r"^[^@\s<>(),;:\\\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def _address(value: str) -> str:
    """A plain mailbox address; provincial intranets use internal domains, so no DNS rules."""
    value = value.strip()
    if not _ADDRESS.match(value):
        raise ValueError(f"địa chỉ thư «{value}» không hợp lệ")
    return value.lower()


EmailStr = Annotated[str, AfterValidator(_address)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# The store's column widths (``store/tables.py``), which PostgreSQL enforces.
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=300)]


class Office(_Entry):
    """Văn phòng UBND tỉnh: follows every task and receives the first escalation step."""

    code: str = OFFICE_CODE
    name: Name
    email: EmailStr
    cc: list[EmailStr] = []


class Leader(_Entry):
    """A Chairman or Vice Chairman who concludes meetings and receives the last escalation step."""

    code: Code
    name: Name
    title: Name
    email: EmailStr
    cc: list[EmailStr] = []

    @field_validator("code")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


class Agency(_Entry):
    """A department, board or commune People's Committee that owns or coordinates tasks."""

    code: Code
    name: Name
    email: EmailStr
    cc: list[EmailStr] = []
    aliases: list[str] = []
    digest: bool = False
    """Send this agency a morning summary of its open tasks on working days."""

    @field_validator("code")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


class AgencyGroup(_Entry):
    """A collective name ("các sở, ban, ngành", "UBND các xã, phường") and its members.

    The notice parser expands a collective owner into one task per member, each flagged
    for review; the directory, not the parser, says who the collective is.
    """

    name: Name
    aliases: list[str] = []
    members: list[str] = Field(min_length=1)

    @field_validator("members")
    @classmethod
    def _upper_members(cls, v: list[str]) -> list[str]:
        return [m.strip().upper() for m in v]


class Directory(_Entry):
    """The file ``dondoc directory load`` takes; every entry is upserted by its code."""

    office: Office | None = None
    leaders: list[Leader] = []
    agencies: list[Agency] = []
    groups: list[AgencyGroup] = []


def unknown_group_members(directory: Directory, known: set[str] | None = None) -> list[str]:
    """Member codes of the file's groups that are neither in the file nor in ``known``."""
    codes = {a.code for a in directory.agencies} | (known or set())
    return sorted({m for g in directory.groups for m in g.members} - codes)
