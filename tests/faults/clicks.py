"""Agencies acknowledging their tasks from the links in their assignment mail, as a
browser does it: open the page (GET changes nothing), then post its acknowledge form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import httpx

from faults.relay import Delivery

_LINK = re.compile(r"^\S+(/t/[^/\s]+)$", re.MULTILINE)
_FORM = re.compile(r'action="(/t/[^"]+/acknowledge)".*?name="form_token" value="([^"]+)"', re.S)
CLICK_TIMEOUT = 60.0


class Answer(StrEnum):
    ACCEPTED = "accepted"
    """200: the page showed the acknowledgement applied."""
    DEFERRED = "deferred"
    """202: kept, to be applied when the workflow can be reached."""
    NONE = "no answer"
    """The connection died before an answer: the agency does not know."""
    REFUSED = "refused"
    """Any other answer: not what an acknowledge of an assigned task may get."""


@dataclass(frozen=True, slots=True)
class Form:
    task: str
    action: str
    token: str


def link_path(delivery: Delivery) -> str:
    """The task page's path from the mail's text (the agency page's link has two parts)."""
    body = delivery.message.get_body(preferencelist=("plain",))
    assert body is not None, delivery.message_id
    found = _LINK.search(body.get_content())
    assert found, f"no task link in {delivery.message_id}"
    return found.group(1)


async def open_form(http: httpx.AsyncClient, task: str, path: str) -> Form:
    page = await http.get(path)
    assert page.status_code == 200, f"{task}: the link page answered {page.status_code}"
    found = _FORM.search(page.text)
    assert found, f"{task}: no acknowledge form on its page"
    return Form(task, found.group(1), found.group(2))


async def click(http: httpx.AsyncClient, form: Form) -> Answer:
    try:
        answer = await http.post(
            form.action, data={"form_token": form.token}, timeout=CLICK_TIMEOUT
        )
    except httpx.TransportError:
        return Answer.NONE
    return {200: Answer.ACCEPTED, 202: Answer.DEFERRED}.get(answer.status_code, Answer.REFUSED)
