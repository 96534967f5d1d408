"""Turn a mail order into the words of one message: Jinja2 templates, text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from dondoc.domain.formatting import format_deadline, format_moment
from dondoc.domain.mail import SUBJECT_ACTIONS, MailKind
from dondoc.domain.task import STATE_LABELS

_env = Environment(
    loader=PackageLoader("dondoc.activities", "templates/mail"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["deadline"] = format_deadline
_env.filters["moment"] = format_moment
_env.globals["STATE_LABELS"] = STATE_LABELS
_env.globals["ACTIONS"] = SUBJECT_ACTIONS


@dataclass(frozen=True, slots=True)
class RenderedMail:
    text: str
    html: str


def render(kind: MailKind, context: dict[str, Any]) -> RenderedMail:
    """Render the kind's own template pair when it has one, the generic pair otherwise."""
    names = _env.list_templates()
    stem = kind.value if f"{kind.value}.txt.j2" in names else "generic"
    ctx = {"kind": kind, **context}
    return RenderedMail(
        text=_env.get_template(f"{stem}.txt.j2").render(ctx),
        html=_env.get_template(f"{stem}.html.j2").render(ctx),
    )
