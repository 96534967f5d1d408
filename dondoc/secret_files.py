"""Secrets read from files named by ``DONDOC_<FIELD>_FILE`` variables.

Kubernetes mounts a Secret as files, and systemd hands a service its credentials as
files in ``$CREDENTIALS_DIRECTORY`` (``LoadCredential=``); neither wants the secret itself
in the environment, where ``/proc/PID/environ``, crash reports and child processes see it.
The convention is that of the official container images: ``X_FILE`` names a file whose
content is the value of ``X``.

This is a pydantic-settings source, placed after the environment source, so the values
go through the same validation as any other. pydantic-settings' own ``secrets_dir``
reads one folder of files named after the fields; it cannot take a path per secret, nor
refuse a secret given twice, which is why this source exists.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, get_origin

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource

CREDENTIALS_DIRECTORY = "CREDENTIALS_DIRECTORY"
READ_ERRORS = {
    errno.ENOENT: "không có tệp này",
    errno.EACCES: "không có quyền đọc",
    errno.EPERM: "không có quyền đọc",
    errno.EISDIR: "đây là thư mục, không phải tệp",
}


def read_error(err: OSError) -> str:
    """Why a file could not be read, for the operator."""
    return READ_ERRORS.get(err.errno or 0, err.strerror or type(err).__name__)


def credential_path(path: Path) -> Path:
    """A relative path inside systemd's credentials directory when the service has one.

    An ``EnvironmentFile=`` cannot use the ``%d`` specifier, so ``DONDOC_SECRET_KEY_FILE=
    secret_key`` there means ``$CREDENTIALS_DIRECTORY/secret_key``; elsewhere a relative
    path is relative to the working directory, as usual.
    """
    directory = os.environ.get(CREDENTIALS_DIRECTORY)
    if directory and not path.is_absolute():
        return Path(directory) / path
    return path


class SecretFilesSource(PydanticBaseSettingsSource):
    """The value of each of ``fields`` from the file its ``*_FILE`` variable names.

    An empty file is refused, except for the fields in ``may_be_empty``, where it means
    "none": a relay without a password, no previous keys yet. systemd's ``LoadCredential=``
    fails the unit when its file is missing, so "none" has to be a file that is there.

    A list field's file holds one value per line (blank lines skipped), as ``echo`` writes
    it, or a JSON list as the variable itself takes (``[]``: none). A file of JSON read as
    lines would make ``[]`` or ``["old-key"]`` itself a signing key.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        fields: Sequence[str],
        *,
        problem: Callable[[list[str]], Exception],
        may_be_empty: Sequence[str] = (),
    ) -> None:
        super().__init__(settings_cls)
        self._fields = fields
        self._problem = problem
        self._may_be_empty = may_be_empty
        # The environment as the env source sees it: same prefix, same case folding.
        env = EnvSettingsSource(settings_cls)
        self._env, self._prefix = env.env_vars, env.env_prefix
        self._case_sensitive = env.case_sensitive

    def _name(self, field: str, suffix: str = "") -> str:
        name = f"{self._prefix}{field}{suffix}"
        return name if self._case_sensitive else name.lower()

    @staticmethod
    def _shown(name: str) -> str:
        return name.upper()

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: ``__call__`` reads every field at once so it can report every problem."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        problems: list[str] = []
        for field in self._fields:
            file_var = self._name(field, "_file")
            given = self._env.get(file_var)
            if given is None:
                continue
            plain = self._name(field)
            if plain in self._env:
                problems.append(
                    f"{self._shown(plain)} và {self._shown(file_var)} cùng được đặt; "
                    "chỉ đặt một trong hai."
                )
                continue
            path = credential_path(Path(given))
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as err:
                reason = read_error(err) if isinstance(err, OSError) else "không phải văn bản UTF-8"
                problems.append(f"{self._shown(file_var)}: không đọc được tệp {path} ({reason}).")
                continue
            value = text.rstrip("\r\n")
            is_list = get_origin(self.settings_cls.model_fields[field].annotation) is list
            if not value.strip():
                if field in self._may_be_empty:
                    values[field] = [] if is_list else None
                else:
                    problems.append(f"{self._shown(file_var)}: tệp {path} rỗng.")
                continue
            if not is_list:
                values[field] = value
                continue
            entries = _list_entries(value)
            if entries is None:
                problems.append(
                    f"{self._shown(file_var)}: tệp {path} bắt đầu bằng «[» nhưng không phải danh "
                    'sách JSON các chuỗi (ví dụ ["khoá-cũ"]); hoặc ghi mỗi giá trị trên một dòng.'
                )
                continue
            values[field] = entries
        if problems:
            raise self._problem(problems)
        return values


def _list_entries(text: str) -> list[str] | None:
    """The values of a list field's file: a JSON list of strings, or one per line; None
    for text that starts as JSON and is not a list of strings."""
    if not text.lstrip().startswith("["):
        return [line.strip() for line in text.splitlines() if line.strip()]
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, list) or not all(isinstance(entry, str) for entry in parsed):
        return None
    return [entry.strip() for entry in parsed if entry.strip()]
