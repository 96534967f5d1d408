"""Why a value was refused, in Vietnamese, from pydantic's error types: one table for the
notice validation, the JSON API and the settings, so the same mistake reads the same."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REASONS = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được hỗ trợ",
    "string_too_short": "không được để trống",
    "too_short": "phải có ít nhất một mục",
    "string_type": "phải là chuỗi ký tự",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "date_type": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_from_datetime_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_from_datetime_inexact": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "list_type": "phải là danh sách",
    "model_type": "phải là một bảng khóa–giá trị",
    "dict_type": "phải là một bảng khóa–giá trị",
    "model_attributes_type": "phải là một bảng khóa–giá trị",
    "json_invalid": "nội dung không phải JSON hợp lệ",
    "literal_error": "giá trị không nằm trong danh sách cho phép",
    "enum": "giá trị không nằm trong danh sách cho phép",
    "url_parsing": "không phải địa chỉ hợp lệ",
    "path_type": "phải là đường dẫn tệp",
}
WITH_LIMITS = {
    "string_too_long": "quá dài (tối đa {max_length} ký tự)",
    "too_long": "quá nhiều mục (tối đa {max_length})",
    "greater_than_equal": "phải từ {ge} trở lên",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải từ {le} trở xuống",
    "less_than": "phải nhỏ hơn {lt}",
}


def reason(error: Mapping[str, Any], default: str = "giá trị không hợp lệ") -> str:
    """The Vietnamese reason for one of pydantic's ``errors()``."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in WITH_LIMITS:
        try:
            return WITH_LIMITS[kind].format(**ctx)
        except (KeyError, IndexError):
            pass
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return REASONS.get(kind, default)
