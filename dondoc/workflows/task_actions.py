"""The Updates of a task's workflow: each person's action, checked, applied and queued.

Every handler is the same three steps — ``domain.actions.check`` in its validator (a
refused action never enters history), ``domain.actions.apply`` in the handler, and the
events queued for the main loop (``TaskWorkflow._apply``) — so adding an action is a rule
in ``domain/actions.py`` and four lines here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from dondoc.domain import actions
    from dondoc.domain import requests as rq
    from dondoc.domain.refusals import REFUSAL_TYPE
    from dondoc.domain.task import Action
    from dondoc.domain.view import TaskView

if TYPE_CHECKING:
    from dondoc.domain import transitions


class TaskActions:
    """Mixed into ``TaskWorkflow``, which holds the state these read and change."""

    if TYPE_CHECKING:

        def _task(self) -> transitions.Task: ...

        def _apply(self, change: transitions.Transition) -> None: ...

        def view(self) -> TaskView: ...

    def _refuse_unless_allowed(self, action: Action, req: rq.Request) -> None:
        """Refuse before the Update enters history; the code tells programs why."""
        refused = actions.check(action, req, self._task(), workflow.now())
        if refused is not None:
            raise ApplicationError(
                refused.message, refused.code.value, type=REFUSAL_TYPE, non_retryable=True
            )

    def _act(self, action: Action, req: rq.Request) -> TaskView:
        self._refuse_unless_allowed(action, req)
        self._apply(actions.apply(action, req, self._task(), workflow.now()))
        return self.view()

    @workflow.update
    def acknowledge(self, req: rq.Acknowledge) -> TaskView:
        return self._act(Action.ACKNOWLEDGE, req)

    @acknowledge.validator
    def _validate_acknowledge(self, req: rq.Acknowledge) -> None:
        self._refuse_unless_allowed(Action.ACKNOWLEDGE, req)

    @workflow.update
    def complete(self, req: rq.Complete) -> TaskView:
        return self._act(Action.COMPLETE, req)

    @complete.validator
    def _validate_complete(self, req: rq.Complete) -> None:
        self._refuse_unless_allowed(Action.COMPLETE, req)

    @workflow.update
    def report_progress(self, req: rq.ReportProgress) -> TaskView:
        return self._act(Action.REPORT_PROGRESS, req)

    @report_progress.validator
    def _validate_report_progress(self, req: rq.ReportProgress) -> None:
        self._refuse_unless_allowed(Action.REPORT_PROGRESS, req)

    @workflow.update
    def request_extension(self, req: rq.RequestExtension) -> TaskView:
        return self._act(Action.REQUEST_EXTENSION, req)

    @request_extension.validator
    def _validate_request_extension(self, req: rq.RequestExtension) -> None:
        self._refuse_unless_allowed(Action.REQUEST_EXTENSION, req)

    @workflow.update
    def propose_reassignment(self, req: rq.ProposeReassignment) -> TaskView:
        return self._act(Action.PROPOSE_REASSIGNMENT, req)

    @propose_reassignment.validator
    def _validate_propose_reassignment(self, req: rq.ProposeReassignment) -> None:
        self._refuse_unless_allowed(Action.PROPOSE_REASSIGNMENT, req)

    @workflow.update
    def decide_extension(self, req: rq.DecideExtension) -> TaskView:
        return self._act(Action.DECIDE_EXTENSION, req)

    @decide_extension.validator
    def _validate_decide_extension(self, req: rq.DecideExtension) -> None:
        self._refuse_unless_allowed(Action.DECIDE_EXTENSION, req)

    @workflow.update
    def reassign(self, req: rq.Reassign) -> TaskView:
        return self._act(Action.REASSIGN, req)

    @reassign.validator
    def _validate_reassign(self, req: rq.Reassign) -> None:
        self._refuse_unless_allowed(Action.REASSIGN, req)

    @workflow.update
    def confirm(self, req: rq.Confirm) -> TaskView:
        return self._act(Action.CONFIRM, req)

    @confirm.validator
    def _validate_confirm(self, req: rq.Confirm) -> None:
        self._refuse_unless_allowed(Action.CONFIRM, req)

    @workflow.update
    def return_report(self, req: rq.ReturnReport) -> TaskView:
        return self._act(Action.RETURN_REPORT, req)

    @return_report.validator
    def _validate_return_report(self, req: rq.ReturnReport) -> None:
        self._refuse_unless_allowed(Action.RETURN_REPORT, req)

    @workflow.update
    def cancel(self, req: rq.Cancel) -> TaskView:
        return self._act(Action.CANCEL, req)

    @cancel.validator
    def _validate_cancel(self, req: rq.Cancel) -> None:
        self._refuse_unless_allowed(Action.CANCEL, req)

    @workflow.update
    def reopen(self, req: rq.Reopen) -> TaskView:
        return self._act(Action.REOPEN, req)

    @reopen.validator
    def _validate_reopen(self, req: rq.Reopen) -> None:
        self._refuse_unless_allowed(Action.REOPEN, req)

    @workflow.update
    def resend(self, req: rq.Resend) -> TaskView:
        return self._act(Action.RESEND, req)

    @resend.validator
    def _validate_resend(self, req: rq.Resend) -> None:
        self._refuse_unless_allowed(Action.RESEND, req)

    @workflow.update
    def name_official(self, req: rq.NameOfficial) -> TaskView:
        return self._act(Action.NAME_OFFICIAL, req)

    @name_official.validator
    def _validate_name_official(self, req: rq.NameOfficial) -> None:
        self._refuse_unless_allowed(Action.NAME_OFFICIAL, req)

    @workflow.update
    def replace_calendar(self, req: rq.ReplaceCalendar) -> TaskView:
        return self._act(Action.REPLACE_CALENDAR, req)

    @replace_calendar.validator
    def _validate_replace_calendar(self, req: rq.ReplaceCalendar) -> None:
        self._refuse_unless_allowed(Action.REPLACE_CALENDAR, req)

    @workflow.update
    def decide_deadline_move(self, req: rq.DecideDeadlineMove) -> TaskView:
        return self._act(Action.DECIDE_DEADLINE_MOVE, req)

    @decide_deadline_move.validator
    def _validate_decide_deadline_move(self, req: rq.DecideDeadlineMove) -> None:
        self._refuse_unless_allowed(Action.DECIDE_DEADLINE_MOVE, req)
