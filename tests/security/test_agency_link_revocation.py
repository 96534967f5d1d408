"""The office revokes one agency's links from the console, without touching the key.

With a real worker on Temporal's test server and a real SMTP server: the assignment mail
carries a task link and the agency's own page, which mints task links of its own. After
«Thu hồi đường dẫn của đơn vị» (CSRF-checked, a reason required and recorded), every one
of them answers 403 and changes nothing, the coordinating agency's links still open, and
the next mail to the agency (here: the office resends the assignment) carries links that
open.
"""

from __future__ import annotations

import re

import httpx

from dondoc.store.db import session_scope
from dondoc.store.tables import LinkRevocationRow
from support.console import Console, csrf_of

WITHDRAWN = "Đường dẫn đã bị Văn phòng UBND tỉnh thu hồi."


def links_in(text: str) -> tuple[str, str]:
    """(task link, agency page link) of a mail's text."""
    found = re.findall(r"http://dondoc\.test(/t/[^\s\"<>]+)", text)
    task = next(u for u in found if not u.startswith("/t/agency/"))
    agency = next(u for u in found if u.startswith("/t/agency/"))
    return task, agency


def mail_to(console: Console, address: str, task: str, since: int = 0) -> str:
    return next(
        m.text()
        for m in console.mailbox.messages[since:]
        if address in m.envelope_to and m.task == task
    )


async def opens(web: httpx.AsyncClient, *links: str) -> list[int]:
    return [(await web.get(link)).status_code for link in links]


async def test_revoking_an_agencys_links_cuts_every_one_and_the_next_mail_brings_new_ones(
    console: Console,
) -> None:
    task = console.vinh_tasks[0]  # SNGV owns it, STC coordinates
    link, page_link = links_in(mail_to(console, "songoaivu@ubnd.test", task))
    coordinator_link, coordinator_page = links_in(mail_to(console, "sotaichinh@ubnd.test", task))
    agency = console.anonymous()
    page = await agency.get(page_link)
    assert page.status_code == 200
    minted = re.search(r'href="(/t/[^"]+)"', page.text)
    assert minted
    task_page = await agency.get(link)
    assert task_page.status_code == 200
    assert await opens(agency, minted.group(1), coordinator_link, coordinator_page) == [200] * 3

    office = await console.as_user("office")
    directory = await office.get("/admin/directory")
    assert "Thu hồi đường dẫn của đơn vị" in directory.text
    revoke = "/admin/directory/agencies/SNGV/revoke-links"
    # Without the form's CSRF token, or without a reason: refused, nothing revoked.
    forged = await office.post(revoke, data={"reason": "Thư bị chuyển nhầm ra ngoài"})
    assert forged.status_code == 403
    empty = await office.post(revoke, data={"csrf_token": csrf_of(directory.text), "reason": " "})
    assert empty.status_code == 422 and "Vui lòng nhập lý do thu hồi" in empty.text
    assert await opens(agency, page_link, link) == [200, 200]

    done = await office.post(
        revoke,
        data={"csrf_token": csrf_of(directory.text), "reason": "Thư bị chuyển nhầm ra ngoài"},
    )
    assert done.status_code == 303
    after = await office.get(done.headers["location"])
    assert "Đã thu hồi mọi đường dẫn của «Sở Ngoại vụ»" in after.text
    assert "Thư bị chuyển nhầm ra ngoài" in after.text
    with session_scope(console.settings.database_url) as session:
        (record,) = session.query(LinkRevocationRow).all()
        assert (record.agency, record.generation, record.revoked_by) == (
            "SNGV",
            1,
            "user:office",
        )
        assert record.reason == "Thư bị chuyển nhầm ra ngoài"

    # The agency page, the link it minted and the mailed task link: all cut.
    for revoked in (page_link, minted.group(1), link):
        answer = await agency.get(revoked)
        assert answer.status_code == 403, revoked
        assert WITHDRAWN in answer.text
    # A form the agency had open before cannot act either.
    form = re.search(
        r'action="([^"]+/acknowledge)".*?name="form_token" value="([^"]+)"', task_page.text, re.S
    )
    assert form
    refused = await agency.post(form.group(1), data={"form_token": form.group(2)})
    assert refused.status_code == 403 and WITHDRAWN in refused.text
    assert console.state(task) == "assigned"
    # The coordinating agency's links were not its: they still open.
    assert await opens(agency, coordinator_link, coordinator_page) == [200, 200]

    # The next mail to the agency carries links of the new generation.
    detail = await office.get(f"/admin/tasks/{task}")
    before = len(console.mailbox.messages)
    resent = await office.post(
        f"/admin/tasks/{task}/resend",
        data={"csrf_token": csrf_of(detail.text), "reason": "Gửi lại đường dẫn mới"},
    )
    assert resent.status_code == 303
    await console.mailbox.arrived(before + 1)
    new_link, new_page = links_in(mail_to(console, "songoaivu@ubnd.test", task, before))
    assert (new_link, new_page) != (link, page_link)
    assert await opens(agency, new_link, new_page) == [200, 200]
    fresh = re.search(r'href="(/t/[^"]+)"', (await agency.get(new_page)).text)
    assert fresh and await opens(agency, fresh.group(1)) == [200]
