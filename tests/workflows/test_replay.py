"""Histories recorded on a real dev server still replay against today's workflow code.

A failure here means a change to TaskWorkflow is not deterministic against tasks already
running in production: put it behind ``workflow.patched``. Re-record with
``tests/histories/record.py`` only to ADD histories of new paths.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from dondoc.workflows.task import TaskWorkflow

HISTORIES = sorted((Path(__file__).parents[1] / "histories").glob("*.json"))


def test_the_main_paths_have_recorded_histories() -> None:
    names = {p.stem.split("-", 1)[1] for p in HISTORIES}
    assert {"main-path", "extension", "reassign-cancel", "reopen", "demo-ladder"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    history = WorkflowHistory.from_json(path.stem, data)
    replayer = Replayer(workflows=[TaskWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
