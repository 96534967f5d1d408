"""Secrets from files (Kubernetes Secrets, systemd credentials) and Temporal TLS settings.

Every refusal names the variable to fix; from the CLI it is exit code 2, before anything
starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dondoc_processes import STRONG_KEY, process_env, run_dondoc
from temporalio.service import TLSConfig
from tls_pki import SERVER_NAME, Pki

from dondoc.client import tls_config
from dondoc.settings import BadSettings, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def refusal(**values: str) -> str:
    with pytest.raises(BadSettings) as caught:
        load_settings(**values)
    return str(caught.value)


# ------------------------------------------------------------------ secrets from files


def test_every_secret_may_come_from_a_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # `echo value > file` leaves a newline; Kubernetes keeps exactly what was stored.
    clean_env.setenv("DONDOC_SECRET_KEY_FILE", str(write(tmp_path / "key", STRONG_KEY + "\n")))
    clean_env.setenv("DONDOC_SMTP_PASSWORD_FILE", str(write(tmp_path / "smtp", "mật-khẩu")))
    clean_env.setenv(
        "DONDOC_DATABASE_URL_FILE",
        str(write(tmp_path / "db", "postgresql+psycopg://dondoc:pw@db/dondoc\n")),
    )
    clean_env.setenv("DONDOC_TEMPORAL_API_KEY_FILE", str(write(tmp_path / "api", "cloud-key\n")))
    clean_env.setenv(
        "DONDOC_OLD_SECRET_KEYS_FILE", str(write(tmp_path / "old", "older-key\n\noldest-key\n"))
    )
    clean_env.setenv("DONDOC_METRICS_TOKEN_FILE", str(write(tmp_path / "scrape", "ma-giam-sat\n")))

    settings = load_settings()

    assert settings.secret_key.get_secret_value() == STRONG_KEY
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "mật-khẩu"
    assert settings.database_url == "postgresql+psycopg://dondoc:pw@db/dondoc"
    assert settings.temporal_api_key is not None
    assert settings.temporal_api_key.get_secret_value() == "cloud-key"
    assert settings.signing_keys() == [STRONG_KEY, "older-key", "oldest-key"]
    assert settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == "ma-giam-sat"
    # A key is a secret: it never shows in the settings' text.
    assert STRONG_KEY not in repr(settings)


def test_a_relative_file_is_read_from_systemds_credentials_directory(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """LoadCredential=secret_key:/etc/dondoc/secret_key puts the file here; an
    EnvironmentFile cannot say %d, so it names the credential alone."""
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    write(credentials / "secret_key", STRONG_KEY)
    clean_env.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    clean_env.setenv("DONDOC_SECRET_KEY_FILE", "secret_key")

    assert load_settings().secret_key.get_secret_value() == STRONG_KEY


def test_a_secret_given_twice_is_refused_naming_both(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("DONDOC_SECRET_KEY", STRONG_KEY)
    clean_env.setenv("DONDOC_SECRET_KEY_FILE", str(write(tmp_path / "key", STRONG_KEY)))

    assert refusal() == (
        "DONDOC_SECRET_KEY và DONDOC_SECRET_KEY_FILE cùng được đặt; chỉ đặt một trong hai."
    )


def test_an_unreadable_or_empty_file_is_refused_naming_the_file(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("DONDOC_SMTP_PASSWORD_FILE", str(tmp_path / "missing"))
    clean_env.setenv("DONDOC_DATABASE_URL_FILE", str(tmp_path))
    clean_env.setenv("DONDOC_TEMPORAL_API_KEY_FILE", str(write(tmp_path / "empty", "\n")))

    assert refusal().splitlines() == [
        f"DONDOC_SMTP_PASSWORD_FILE: không đọc được tệp {tmp_path / 'missing'} (không có tệp này).",
        f"DONDOC_DATABASE_URL_FILE: không đọc được tệp {tmp_path} "
        "(đây là thư mục, không phải tệp).",
        f"DONDOC_TEMPORAL_API_KEY_FILE: tệp {tmp_path / 'empty'} rỗng.",
    ]


def test_an_empty_relay_password_or_old_keys_file_means_none(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """systemd's LoadCredential= needs the file to exist: "none" is an empty file."""
    clean_env.setenv("DONDOC_SMTP_PASSWORD_FILE", str(write(tmp_path / "smtp", "")))
    clean_env.setenv("DONDOC_OLD_SECRET_KEYS_FILE", str(write(tmp_path / "old", "\n")))

    settings = load_settings(secret_key=STRONG_KEY)

    assert settings.smtp_password is None
    assert settings.old_secret_keys == []
    assert settings.signing_keys() == [STRONG_KEY]


def test_an_old_keys_file_may_hold_a_json_list_as_the_variable_does(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Read as lines, `[]` would itself become a key that signs working links."""
    old = write(tmp_path / "old", "[]")
    clean_env.setenv("DONDOC_OLD_SECRET_KEYS_FILE", str(old))
    assert load_settings(secret_key=STRONG_KEY).signing_keys() == [STRONG_KEY]

    write(old, '["older-key", "oldest-key"]\n')
    assert load_settings(secret_key=STRONG_KEY).signing_keys() == [
        STRONG_KEY,
        "older-key",
        "oldest-key",
    ]

    write(old, '["older-key", \n')
    assert refusal(secret_key=STRONG_KEY) == (
        f"DONDOC_OLD_SECRET_KEYS_FILE: tệp {old} bắt đầu bằng «[» nhưng không phải danh sách "
        'JSON các chuỗi (ví dụ ["khoá-cũ"]); hoặc ghi mỗi giá trị trên một dòng.'
    )


# ------------------------------------------------------------------ Temporal TLS settings


def test_tls_settings_become_the_sdks_tls_config(clean_env: pytest.MonkeyPatch, pki: Pki) -> None:
    clean_env.setenv("DONDOC_TEMPORAL_TLS_CA_FILE", str(pki.ca))
    clean_env.setenv("DONDOC_TEMPORAL_TLS_CERT_FILE", str(pki.client.cert))
    clean_env.setenv("DONDOC_TEMPORAL_TLS_KEY_FILE", str(pki.client.key))
    clean_env.setenv("DONDOC_TEMPORAL_TLS_SERVER_NAME", SERVER_NAME)

    settings = load_settings()

    assert settings.temporal_uses_tls  # implied: DONDOC_TEMPORAL_TLS is not set
    assert tls_config(settings) == TLSConfig(
        server_root_ca_cert=pki.ca.read_bytes(),
        client_cert=pki.client.cert.read_bytes(),
        client_private_key=pki.client.key.read_bytes(),
        domain=SERVER_NAME,
    )


def test_tls_alone_uses_the_systems_roots_and_no_tls_is_plain(
    clean_env: pytest.MonkeyPatch,
) -> None:
    assert tls_config(load_settings()) is False
    clean_env.setenv("DONDOC_TEMPORAL_TLS", "true")
    assert tls_config(load_settings()) is True


def test_an_api_key_implies_tls(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DONDOC_TEMPORAL_API_KEY", "cloud-key")
    assert tls_config(load_settings()) is True


def test_a_client_certificate_needs_its_key_and_the_reverse(
    clean_env: pytest.MonkeyPatch, pki: Pki
) -> None:
    clean_env.setenv("DONDOC_TEMPORAL_TLS_CERT_FILE", str(pki.client.cert))
    assert refusal() == (
        "DONDOC_TEMPORAL_TLS_CERT_FILE được đặt nhưng thiếu DONDOC_TEMPORAL_TLS_KEY_FILE: "
        "chứng chỉ máy khách và khoá riêng của nó phải đi cùng nhau."
    )
    clean_env.delenv("DONDOC_TEMPORAL_TLS_CERT_FILE")
    clean_env.setenv("DONDOC_TEMPORAL_TLS_KEY_FILE", str(pki.client.key))
    assert refusal().startswith(
        "DONDOC_TEMPORAL_TLS_KEY_FILE được đặt nhưng thiếu DONDOC_TEMPORAL_TLS_CERT_FILE"
    )


def test_missing_and_wrong_tls_files_are_named(
    clean_env: pytest.MonkeyPatch, pki: Pki, tmp_path: Path
) -> None:
    clean_env.setenv("DONDOC_TEMPORAL_TLS_CA_FILE", str(tmp_path / "ca.pem"))
    # A key where the certificate belongs, and a certificate where the key belongs.
    clean_env.setenv("DONDOC_TEMPORAL_TLS_CERT_FILE", str(pki.client.key))
    clean_env.setenv("DONDOC_TEMPORAL_TLS_KEY_FILE", str(pki.not_pem))

    assert refusal().splitlines() == [
        f"DONDOC_TEMPORAL_TLS_CA_FILE: không đọc được tệp {tmp_path / 'ca.pem'} "
        "(không có tệp này).",
        f"DONDOC_TEMPORAL_TLS_CERT_FILE: tệp {pki.client.key} không phải chứng chỉ dạng PEM "
        "(thiếu «-----BEGIN CERTIFICATE-----»).",
        f"DONDOC_TEMPORAL_TLS_KEY_FILE: tệp {pki.not_pem} không phải khoá riêng dạng PEM "
        "(thiếu «PRIVATE KEY-----»).",
    ]


def test_tls_turned_off_beside_tls_files_is_a_contradiction(
    clean_env: pytest.MonkeyPatch, pki: Pki
) -> None:
    clean_env.setenv("DONDOC_TEMPORAL_TLS", "false")
    clean_env.setenv("DONDOC_TEMPORAL_TLS_CA_FILE", str(pki.ca))
    clean_env.setenv("DONDOC_TEMPORAL_API_KEY", "cloud-key")

    assert refusal() == (
        "DONDOC_TEMPORAL_TLS=false mâu thuẫn với DONDOC_TEMPORAL_TLS_CA_FILE, "
        "DONDOC_TEMPORAL_API_KEY: các biến đó cần TLS. Bỏ DONDOC_TEMPORAL_TLS hoặc bỏ các "
        "biến đó."
    )


def test_tls_files_in_the_credentials_directory(clean_env: pytest.MonkeyPatch, pki: Pki) -> None:
    clean_env.setenv("CREDENTIALS_DIRECTORY", str(pki.ca.parent))
    clean_env.setenv("DONDOC_TEMPORAL_TLS_CERT_FILE", pki.client.cert.name)
    clean_env.setenv("DONDOC_TEMPORAL_TLS_KEY_FILE", pki.client.key.name)

    settings = load_settings()

    assert settings.temporal_tls_cert_file == pki.client.cert
    assert settings.temporal_tls_key_file == pki.client.key


# ------------------------------------------------------------------ from the command line


def test_the_services_refuse_bad_settings_with_exit_code_2(pki: Pki, tmp_path: Path) -> None:
    env = process_env(
        DONDOC_DATABASE_URL=f"sqlite:///{tmp_path / 'dondoc.db'}",
        DONDOC_SECRET_KEY=STRONG_KEY,
        DONDOC_TEMPORAL_TLS_CERT_FILE=str(pki.client.cert),
    )
    for command in ("worker", "web"):
        result = run_dondoc(command, env=env)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr == (
            "Lỗi cấu hình:\n"
            "  - DONDOC_TEMPORAL_TLS_CERT_FILE được đặt nhưng thiếu "
            "DONDOC_TEMPORAL_TLS_KEY_FILE: chứng chỉ máy khách và khoá riêng của nó phải đi "
            "cùng nhau.\n"
        )


def test_any_command_refuses_a_missing_secret_file(tmp_path: Path) -> None:
    env = process_env(
        DONDOC_DATABASE_URL_FILE=str(tmp_path / "db-url"),
        DONDOC_DATABASE_URL=f"sqlite:///{tmp_path / 'dondoc.db'}",
    )
    result = run_dondoc("tasks", "list", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "DONDOC_DATABASE_URL và DONDOC_DATABASE_URL_FILE cùng được đặt" in result.stderr

    del env["DONDOC_DATABASE_URL"]
    result = run_dondoc("tasks", "list", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        "Lỗi cấu hình:\n"
        f"  - DONDOC_DATABASE_URL_FILE: không đọc được tệp {tmp_path / 'db-url'} "
        "(không có tệp này).\n"
    )
    assert not (tmp_path / "dondoc.db").exists()
