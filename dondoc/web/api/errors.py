"""Error answers of the JSON API: always ``{"detail": "...", "errors": [...]}``.

``detail`` is a Vietnamese sentence for whoever reads the integration's log; for invalid
input ``errors`` names each field (``tasks[2].deadline``, lists counted from 1 as in the
notice validation) with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from dondoc.domain.notice import Problem as NoticeProblem
from dondoc.domain.validation_words import reason
from dondoc.web.templating import templates


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        errors: Sequence[dict[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, list(errors), headers


def field_path(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for item in loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc:
        if isinstance(item, int):
            if parts:
                parts[-1] = f"{parts[-1]}[{item + 1}]"
            else:
                parts.append(f"[{item + 1}]")
        else:
            parts.append(str(item))
    return ".".join(parts) or (str(loc[0]) if loc else "body")


def translate(errors: Sequence[Any]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for e in errors:
        where = field_path(tuple(e.get("loc", ())))
        message = reason(e, "không hợp lệ")
        seen.setdefault(where, {"field": where, "message": message})
    return list(seen.values())


def from_notice_problems(problems: Sequence[NoticeProblem]) -> list[dict[str, str]]:
    return [{"field": p.location, "message": p.message} for p in problems]


def _summary(errors: list[dict[str, str]]) -> str:
    named = ", ".join(e["field"] for e in errors[:5])
    more = "…" if len(errors) > 5 else ""
    return f"Dữ liệu gửi lên không hợp lệ: {named}{more}."


def problem(
    status: int,
    detail: str,
    errors: Sequence[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse({"detail": detail, "errors": list(errors)}, status, headers=headers)


async def api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    return problem(exc.status, exc.detail, exc.errors, exc.headers)


async def validation_handler(request: Request, exc: RequestValidationError) -> Response:
    errors = translate(exc.errors())
    if not request.url.path.startswith("/api/"):
        # A person's page (a console address typed or cut short): a page in words, not
        # FastAPI's English JSON.
        named = ", ".join(f"{e['field']} ({e['message']})" for e in errors)
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": "Không thực hiện được", "message": f"Địa chỉ không hợp lệ: {named}."},
            status_code=422,
        )
    return problem(422, _summary(errors), errors)


__all__ = ["ApiError", "api_error_handler", "from_notice_problems", "problem", "validation_handler"]
