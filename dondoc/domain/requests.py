"""What people ask of a task: the inputs of the workflow's Updates, validated at the edge."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dondoc.domain.task import CompletionReport


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")

    actor: str = Field(min_length=1, max_length=200)
    """Who acts: ``agency:CODE`` from a mailed link, ``user:NAME`` from the console, ``api:NAME``."""


class Acknowledge(_Request):
    note: str = Field(default="", max_length=2000)


class Complete(_Request):
    report: CompletionReport


class ReportProgress(_Request):
    note: str = Field(min_length=1, max_length=4000)


class RequestExtension(_Request):
    new_deadline: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class DecideExtension(_Request):
    approve: bool
    note: str = Field(default="", max_length=2000)


class ProposeReassignment(_Request):
    reason: str = Field(min_length=1, max_length=2000)


class Reassign(_Request):
    owner: str = Field(min_length=1, max_length=64)
    note: str = Field(min_length=1, max_length=2000)

    @field_validator("owner")
    @classmethod
    def _upper(cls, v: str) -> str:
        return v.upper()


class Confirm(_Request):
    note: str = Field(default="", max_length=2000)


class ReturnReport(_Request):
    reason: str = Field(min_length=1, max_length=2000)


class Cancel(_Request):
    reason: str = Field(min_length=1, max_length=2000)


class Reopen(_Request):
    reason: str = Field(min_length=1, max_length=2000)


def agency_of(actor: str) -> str | None:
    """The agency code of an ``agency:CODE`` actor, None for office staff and integrations."""
    kind, _, code = actor.partition(":")
    return code.upper() if kind == "agency" and code else None
