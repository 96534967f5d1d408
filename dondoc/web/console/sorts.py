"""The orders the console's task list offers, in the words of its sort menu."""

from __future__ import annotations

from dondoc.store.task_search import SORTS as ORDERS

SORTS: dict[str, str] = dict(
    zip(
        ORDERS,
        (
            "Thời hạn (sớm trước)",
            "Thời hạn (muộn trước)",
            "Thông báo (mới trước)",
            "Đơn vị chủ trì",
            "Cập nhật gần nhất",
        ),
        strict=True,
    )
)
