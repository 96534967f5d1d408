"""Read the YAML and JSON files people hand to the CLI, with messages that say what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""A notice or a directory is tens of kilobytes; a file far past that is not one, and is
refused before it is read, parsed and held in memory."""


class BadInput(ValueError):
    """Input a person must fix: the CLI prints it and exits with code 2."""


def refuse_oversized(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> None:
    size = path.stat().st_size
    if size > limit:
        megabytes = f"{size / 1048576:.1f}".replace(".", ",")  # 10,5 MB, as Vietnamese writes it
        raise BadInput(f"{path}: tệp quá lớn ({megabytes} MB); tối đa {limit // 1048576} MB")


def load_document(path: Path) -> object:
    if not path.exists():
        raise BadInput(f"không tìm thấy tệp {path}")
    if not path.is_file():
        raise BadInput(f"{path} không phải là một tệp")
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".json"}:
        raise BadInput(
            f"{path}: chỉ nhận tệp .yaml, .yml hoặc .json (tệp này là «{suffix or 'không có đuôi'}»)"
        )
    refuse_oversized(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: tệp không phải văn bản UTF-8") from None
    except OSError as err:
        raise BadInput(f"không đọc được {path}: {err.strerror}") from None
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as err:
        raise BadInput(
            f"{path}: JSON không hợp lệ ở dòng {err.lineno}, cột {err.colno}: {err.msg}"
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}" if mark else ""
        raise BadInput(f"{path}: YAML không hợp lệ{where}") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: nội dung phải là một bảng khóa–giá trị (mapping)")
    return data
