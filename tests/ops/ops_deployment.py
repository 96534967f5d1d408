"""The deployment of the operations tests: a migrated SQLite database with the test
directory, the session's Temporal dev server, a task queue of its own, a held SMTP relay,
and the ``DONDOC_*`` environment the two service processes read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from ops_processes import service_env
from temporalio.client import Client

from dondoc.commands.issue import check_notice, issue_notice
from dondoc.devstack.net import free_port
from dondoc.domain.directory import Directory
from dondoc.settings import Settings
from dondoc.store.db import migrate, session_scope
from dondoc.store.directory import load_directory
from dondoc.store.tables import OutboxRow

FIXTURES = Path(__file__).parent.parent / "fixtures"


@dataclass
class Deployment:
    settings: Settings
    client: Client
    folder: Path
    web_port: int

    def env(self, **overrides: str) -> dict[str, str]:
        s = self.settings
        values = {
            "database_url": s.database_url,
            "temporal_address": s.temporal_address,
            "task_queue": s.task_queue,
            "smtp_host": "127.0.0.1",
            "smtp_port": str(s.smtp_port),
            "public_url": s.public_url,
            "secret_key": s.secret_key.get_secret_value(),
            "worker_metrics_port": str(s.worker_metrics_port),
            "worker_metrics_host": "127.0.0.1",
        }
        values.update(overrides)
        return service_env(**values)

    @property
    def worker_metrics(self) -> str:
        return f"http://127.0.0.1:{self.settings.worker_metrics_port}/metrics"

    async def issue(self, owner: str = "SNGV") -> str:
        """Issue a one-task notice (one assignment mail, to ``owner``); the task's id."""
        today = date.today()
        raw: dict[str, Any] = {
            "number": f"{uuid.uuid4().int % 900000 + 1000}/TB-UBND",
            "date": today.isoformat(),
            "leader": "PCT-VINH",
            "subject": "Kết luận về chương trình giao lưu hữu nghị với các tỉnh bạn Lào",
            "tasks": [
                {
                    "owner": owner,
                    "work": "Xây dựng kế hoạch tổ chức đoàn công tác sang tỉnh Xiêng Khoảng",
                    "result": "Kế hoạch trình UBND tỉnh",
                    "deadline": (today + timedelta(days=400)).isoformat(),
                }
            ],
        }
        notice = check_notice(raw, self.settings)
        await issue_notice(notice, self.settings, self.client)
        return notice.tasks[0].id

    def outbox(self, task_id: str) -> list[str]:
        """The statuses of the task's outbox rows."""
        with session_scope(self.settings.database_url) as session:
            rows = session.query(OutboxRow).filter(OutboxRow.task_id == task_id).all()
            return [r.status for r in rows]


def make_deployment(folder: Path, client: Client, relay_port: int) -> Deployment:
    url = f"sqlite:///{folder / 'dondoc.db'}"
    migrate(url)
    with session_scope(url) as session:
        raw = yaml.safe_load((FIXTURES / "directory.yaml").read_text("utf-8"))
        load_directory(session, Directory.model_validate(raw))
    web_port = free_port()
    settings = Settings(
        database_url=url,
        temporal_address=client.service_client.config.target_host,
        task_queue=f"ops-{uuid.uuid4()}",
        smtp_host="127.0.0.1",
        smtp_port=relay_port,
        public_url=f"http://127.0.0.1:{web_port}",
        secret_key="ops-test-secret-key-" + "k" * 32,
        worker_metrics_port=free_port(),
        data_dir=folder,
    )
    return Deployment(settings, client, folder, web_port)
