"""Who may enter and what each role sees: anonymous nowhere, a leader only his own tasks
and nothing he could change, the office no administration, the admin everything."""

from __future__ import annotations

import re

import httpx
import pytest

from dondoc.settings import Settings
from dondoc.store.db import session_scope
from dondoc.store.users import disable_user
from dondoc.web.app import create_app
from dondoc.web.console.auth import LoginThrottle
from dondoc.web.throttle import account_key
from support.console import PASSWORD, Console, DownClient, add_accounts, csrf_of, sign_in

OPEN_TO_ALL = {("/admin/login", "GET"), ("/admin/login", "POST")}


def every_route(app) -> list[tuple[str, set[str]]]:  # type: ignore[no-untyped-def]
    """(path, methods) of every route, included routers flattened as the app serves them."""
    try:  # FastAPI ≥ 0.16x keeps included routers whole; this walks into them
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    return [(r.path, set(r.methods)) for r in routes if getattr(r, "methods", None)]


def _app(settings: Settings):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    app.state.temporal = DownClient()
    return app


async def test_every_console_and_api_route_refuses_an_anonymous_request(settings: Settings) -> None:
    app = _app(settings)
    checked = 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dondoc.test"
    ) as web:
        for route_path, methods in every_route(app):
            if not route_path.startswith(("/admin", "/api/v1")):
                continue
            path = re.sub(r"\{[^}]+\}", "x", route_path)
            for method in sorted(methods - {"HEAD"}):
                if (route_path, method) in OPEN_TO_ALL:
                    continue
                answer = await web.request(method, path, data={"csrf_token": "x"})
                if route_path.startswith("/api/"):
                    assert answer.status_code == 401, (method, route_path, answer.text)
                    assert answer.json()["detail"]
                else:
                    assert answer.status_code == 303, (method, route_path, answer.status_code)
                    assert answer.headers["location"].startswith("/admin/login"), route_path
                checked += 1
    assert checked > 30  # the walk really covered the console and the API


async def test_a_forged_session_cookie_or_api_token_is_no_better_than_none(
    settings: Settings,
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(settings)), base_url="http://dondoc.test"
    ) as web:
        web.cookies.set("dondoc_session", "made-up", path="/admin")
        assert (await web.get("/admin/")).status_code == 303
        forged = await web.get("/api/v1/tasks", headers={"Authorization": "Bearer ddk_made-up"})
        assert forged.status_code == 401
        assert forged.headers["www-authenticate"].startswith("Bearer")


async def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(settings: Settings) -> None:
    add_accounts(settings)
    secure = settings.model_copy(update={"public_url": "https://dondoc.example.gov.vn"})
    for current, expect_secure in ((settings, False), (secure, True)):
        base = "https://dondoc.test" if expect_secure else "http://dondoc.test"
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=_app(current)), base_url=base
        ) as web:
            answer = await sign_in(web, "office")
            assert answer.status_code == 303
            cookie = next(
                v
                for k, v in answer.headers.multi_items()
                if k == "set-cookie" and "dondoc_session" in v
            )
            lowered = cookie.lower()
            assert "httponly" in lowered and "samesite=lax" in lowered and "path=/admin" in lowered
            assert ("secure" in lowered) is expect_secure
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(settings)), base_url="http://dondoc.test"
    ) as web:
        await sign_in(web, "office")
        page = await web.get("/admin/")
        assert page.status_code == 200 and "Tài khoản office" in page.text
        stolen = web.cookies.get("dondoc_session")
        out = await web.post("/admin/logout", data={"csrf_token": csrf_of(page.text)})
        assert out.status_code == 303
        web.cookies.set("dondoc_session", stolen or "", path="/admin")
        assert (await web.get("/admin/")).status_code == 303  # the old cookie opens nothing


async def test_a_disabled_account_is_signed_out_at_once(settings: Settings) -> None:
    add_accounts(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(settings)), base_url="http://dondoc.test"
    ) as web:
        await sign_in(web, "office")
        assert (await web.get("/admin/")).status_code == 200
        with session_scope(settings.database_url) as session:
            disable_user(session, "office")
        assert (await web.get("/admin/")).status_code == 303
        again = await sign_in(web, "office")
        assert again.status_code == 401


async def test_failed_sign_ins_are_slowed_per_user_then_refused_for_that_user_only(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_accounts(settings)
    app = _app(settings)
    app.state.login_throttle = LoginThrottle(free=2, max_delay=0.05, refuse_after=5)
    throttle = app.state.login_throttle
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dondoc.test"
    ) as web:
        for _ in range(3):
            wrong = await sign_in(web, "office", "sai-mat-khau-000")
            assert wrong.status_code == 401
            assert "không đúng" in wrong.text
        assert throttle.delay(account_key("office")) > 0  # the next try on this name waits
        assert throttle.delay(account_key("admin")) == 0  # another name is not slowed by it
        right = await sign_in(web, "office")
        assert right.status_code == 303  # slowed, not locked out
        for _ in range(5):
            await sign_in(web, "admin", "sai-mat-khau-000")
        refused = await sign_in(web, "admin")
        assert refused.status_code == 429  # this name failed too often from here: even right
        assert "15 phút" in refused.text
        # The address itself is not refused: another officer behind it signs in.
        assert (await sign_in(web, "office")).status_code == 303


async def test_a_login_form_from_elsewhere_is_refused(settings: Settings) -> None:
    add_accounts(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(settings)), base_url="http://dondoc.test"
    ) as web:
        answer = await web.post(
            "/admin/login", data={"username": "office", "password": PASSWORD, "login_token": "x"}
        )
        assert answer.status_code == 403
        assert "dondoc_session" not in answer.headers.get("set-cookie", "")


async def test_login_never_redirects_off_site(settings: Settings) -> None:
    add_accounts(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app(settings)), base_url="http://dondoc.test"
    ) as web:
        page = await web.get("/admin/login?next=//evil.example/admin")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token
        answer = await web.post(
            "/admin/login",
            data={
                "username": "office",
                "password": PASSWORD,
                "login_token": token.group(1),
                "next": "//evil.example/admin",
            },
        )
        assert answer.headers["location"] == "/admin/"


async def test_each_role_sees_what_it_should_and_nothing_more(console: Console) -> None:
    admin = await console.as_user("admin")
    office = await console.as_user("office")
    leader = await console.as_user("leader")
    chairman = await console.as_user("chairman")
    mine, theirs = console.vinh_tasks[0], console.ct_tasks[0]

    for path in ("/admin/operations", "/admin/users", "/admin/directory", "/admin/"):
        assert (await admin.get(path)).status_code == 200, path
    for path in ("/admin/operations", "/admin/users"):
        assert (await office.get(path)).status_code == 403, path
        assert (await leader.get(path)).status_code == 403, path
    assert (await office.get("/admin/directory")).status_code == 200
    assert (await leader.get("/admin/directory")).status_code == 403
    assert (await leader.get("/admin/notices/new")).status_code == 403

    # The office sees every task; a leader only those of his own notices.
    everything = (await office.get("/admin/tasks")).text
    assert "Hoàn thiện dự thảo Đề án" in everything and "số hóa hồ sơ" in everything
    his = (await leader.get("/admin/tasks")).text
    assert "Hoàn thiện dự thảo Đề án" in his and "số hóa hồ sơ" not in his
    assert 'id="leader"' not in his  # no choosing another leader's tasks
    assert "số hóa hồ sơ" not in (await leader.get("/admin/tasks?leader=CT")).text
    assert (await leader.get(f"/admin/tasks/{theirs}")).status_code == 404
    assert (await chairman.get(f"/admin/tasks/{mine}")).status_code == 404
    assert (await leader.get(f"/admin/notices/{console.notice_keys[1]}")).status_code == 404
    notices = (await leader.get("/admin/notices")).text
    assert "Chủ tịch UBND tỉnh về số hóa hồ sơ" not in notices
    dashboard = (await chairman.get("/admin/")).text
    assert "Sở Công Thương" in dashboard and "Sở Ngoại vụ" not in dashboard

    # A leader reads a task's story but has nothing to press, and a forged POST does nothing.
    page = await leader.get(f"/admin/tasks/{mine}")
    assert page.status_code == 200
    assert "Diễn biến" in page.text and "Giao nhiệm vụ" in page.text
    assert "Thao tác của Văn phòng" not in page.text
    assert "Lịch sử Temporal" not in page.text
    tried = await leader.post(
        f"/admin/tasks/{mine}/actions/cancel",
        data={"csrf_token": csrf_of(page.text), "reason": "thử"},
    )
    assert tried.status_code == 403
    assert console.state(mine) == "assigned"
    report = await leader.get("/admin/reports")
    assert "Sở Ngoại vụ" in report.text and "Sở Công Thương" not in report.text

    # The office has the actions and the raw history.
    page = await office.get(f"/admin/tasks/{mine}")
    assert "Thao tác của Văn phòng" in page.text and "Hủy nhiệm vụ" in page.text
    assert "Lịch sử Temporal" in page.text
    assert "Ban hành thông báo mới" in (await office.get("/admin/notices")).text
    assert "Ban hành thông báo mới" not in notices


async def test_a_console_form_without_its_csrf_token_changes_nothing(console: Console) -> None:
    office = await console.as_user("office")
    task = console.vinh_tasks[0]
    for token in ("", "forged"):
        answer = await office.post(
            f"/admin/tasks/{task}/actions/cancel", data={"csrf_token": token, "reason": "thử"}
        )
        assert answer.status_code == 403
        assert "Biểu mẫu không hợp lệ" in answer.text
    assert console.state(task) == "assigned"
