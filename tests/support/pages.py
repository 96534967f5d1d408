"""Reading what a real page or mail gives an agency: its link, its forms, free ports.

The end-to-end suites drive the site over HTTP as a browser without script would: take the
link from the mail, find the form that posts an action, send its hidden one-time token.
"""

from __future__ import annotations

import html
import re
import socket

from dondoc.devstack.net import free_port
from support.mailbox import Received

_FORMS = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
_TOKEN = re.compile(r'name="form_token" value="([^"]*)"')


def find_form(page: str, action: str) -> tuple[str, str] | None:
    """The action URL and the hidden form token of the form that posts ``action``, if any."""
    for form in _FORMS.findall(page):
        target = re.search(r'action="([^"]*/' + re.escape(action) + r')"', form)
        token = _TOKEN.search(form)
        if target and token:
            return html.unescape(target[1]), html.unescape(token[1])
    return None


def form_for(page: str, action: str) -> tuple[str, str]:
    """As ``find_form``, for a page that must offer the action."""
    found = find_form(page, action)
    if found is None:
        raise AssertionError(f"no {action} form on the page:\n{page}")
    return found


def mailed_link(message: Received) -> str:
    """The first link page a mail points to."""
    found = re.search(r"https?://\S+/t/[A-Za-z0-9_.-]+", message.text())
    assert found, message.text()
    return found[0]


def stack_ports() -> tuple[int, int]:
    """A web port and a Temporal port whose UI port (+1000, as `dondoc dev` opens it) is free
    as well."""
    web = free_port()
    for _ in range(50):
        temporal = free_port()
        if temporal == web or temporal + 1000 >= 65536:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", temporal + 1000))
            except OSError:
                continue
        return web, temporal
    raise RuntimeError("no free port pair for Temporal and its UI")
