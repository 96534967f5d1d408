"""What a fault run issues: a directory of a hundred communes and notices of up to 200
tasks each (the most one notice may hold), and the mail each task must send.

Every task is owned by one commune; every fourth task has a second commune to
coordinate, so its assignment goes out as two copies, to two addresses. A deadline years
ahead keeps the follow-up ladder silent: the only mail of a burst is its assignments (and,
when an address is refused, the office's notice of the bounce).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr
from pathlib import Path

import yaml

from dondoc.domain.directory import OFFICE_CODE
from dondoc.domain.events import event_id
from dondoc.domain.ids import notice_key, task_id
from dondoc.domain.mail import MailKind, mail_key, message_id, thread_root_id

AGENCIES = 100
OFFICE = OFFICE_CODE
OFFICE_EMAIL = "vanphong@ubnd.test"
LEADER = "PCT-VINH"
MAIL_FROM = "Đôn đốc – Văn phòng UBND tỉnh <dondoc@ubnd.test>"
NOTICE_MAX = 200
COORDINATED_EVERY = 4
_FIRST = ("An", "Bình", "Hòa", "Tân", "Phú", "Thạnh", "Vĩnh", "Long", "Hưng", "Đông")
_SECOND = ("Phú", "Lợi", "Thành", "Hiệp", "Mỹ", "Hải", "Xuân", "Định", "Thuận", "Khánh")


def agency_code(n: int) -> str:
    return f"XA{n % AGENCIES + 1:03d}"


def agency_email(code: str) -> str:
    return f"{code.lower()}@ubnd.test"


def directory() -> dict[str, object]:
    agencies = [
        {
            "code": agency_code(i),
            "name": f"Ủy ban nhân dân xã {_FIRST[i // 10]} {_SECOND[i % 10]}",
            "email": agency_email(agency_code(i)),
        }
        for i in range(AGENCIES)
    ]
    return {
        "office": {"code": OFFICE, "name": "Văn phòng UBND tỉnh", "email": OFFICE_EMAIL},
        "leaders": [
            {
                "code": LEADER,
                "name": "Phùng Thành Vinh",
                "title": "Phó Chủ tịch UBND tỉnh",
                "email": "pct.vinh@ubnd.test",
            }
        ],
        "agencies": agencies,
    }


@dataclass(frozen=True, slots=True)
class Expected:
    """One message the run must see arrive exactly once."""

    task: str
    kind: MailKind
    recipient: str


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    owner: str
    coordinators: tuple[str, ...]

    @property
    def recipients(self) -> tuple[str, ...]:
        return (self.owner, *self.coordinators)


def _domain() -> str:
    return parseaddr(MAIL_FROM)[1].rpartition("@")[2]


@dataclass(frozen=True)
class Burst:
    """The notices of one scenario: ``size`` tasks, numbered from ``first_number``."""

    name: str
    size: int
    first_number: int
    day: date

    @property
    def notices(self) -> list[tuple[str, range]]:
        """Each notice's number and the positions (0-based, across the burst) it holds."""
        return [
            (f"{self.first_number + n}/TB-UBND", range(start, min(start + NOTICE_MAX, self.size)))
            for n, start in enumerate(range(0, self.size, NOTICE_MAX))
        ]

    @property
    def tasks(self) -> list[Task]:
        found = []
        for number, positions in self.notices:
            key = notice_key(number, self.day)
            for place, i in enumerate(positions, start=1):
                coordinators = (agency_code(i + 1),) if i % COORDINATED_EVERY == 0 else ()
                found.append(Task(task_id(key, place), agency_code(i), coordinators))
        return found

    @property
    def ids(self) -> set[str]:
        return {t.id for t in self.tasks}

    def write(self, folder: Path) -> list[Path]:
        """The notices as YAML files, as an office would write them for ``notice issue``."""
        files = []
        for number, positions in self.notices:
            notice = {
                "number": number,
                "date": self.day.isoformat(),
                "leader": LEADER,
                "subject": f"Kết luận của Phó Chủ tịch UBND tỉnh về đợt thử {self.name}",
                "tasks": [
                    {
                        "owner": agency_code(i),
                        "coordinators": (
                            [agency_code(i + 1)] if i % COORDINATED_EVERY == 0 else []
                        ),
                        "work": f"Rà soát, báo cáo tình hình thực hiện nhiệm vụ số {i + 1} năm 2026.",
                        "result": "Báo cáo gửi Văn phòng UBND tỉnh.",
                        "deadline": "trước ngày 30/6/2031",
                    }
                    for i in positions
                ],
            }
            path = folder / f"notice-{self.name}-{number.split('/')[0]}.yaml"
            path.write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), "utf-8")
            files.append(path)
        return files

    def expected(self, refused: frozenset[str] = frozenset()) -> dict[str, Expected]:
        """By Message-ID, every message the burst must deliver once: each recipient's
        assignment, or, for a refused recipient, the office's notice of the bounce
        (the task's second event: the assignment is its first)."""
        domain = _domain()
        found: dict[str, Expected] = {}
        for task in self.tasks:
            for code in task.recipients:
                if code in refused:
                    key = mail_key(event_id(task.id, 2), MailKind.BOUNCE, OFFICE)
                    found[message_id(key, domain)] = Expected(task.id, MailKind.BOUNCE, OFFICE)
                else:
                    found[thread_root_id(task.id, code, domain)] = Expected(
                        task.id, MailKind.ASSIGNED, code
                    )
        return found
