"""Read a conclusion notice's Vietnamese text into a draft of tasks for a person to review.

Pure: text and a directory in, a draft out; the CLI and the console read files and the
database. See ``parse.parse_notice`` for the entry point and ``draft`` for the output.
"""

from dondoc.domain.directory import AgencyGroup
from dondoc.domain.notice_text.book import NameBook
from dondoc.domain.notice_text.draft import (
    Flag,
    NoticeDraft,
    Span,
    TaskDraft,
    has_review_metadata,
    notice_input,
    unresolved,
)
from dondoc.domain.notice_text.parse import parse_notice

__all__ = [
    "AgencyGroup",
    "Flag",
    "NameBook",
    "NoticeDraft",
    "Span",
    "TaskDraft",
    "has_review_metadata",
    "notice_input",
    "parse_notice",
    "unresolved",
]
