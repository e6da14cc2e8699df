"""The Training screen (finetune): each run's state, round, records, and at its last
checkpoint who agrees with this node's θ and the held-out accuracy where known; under
the table, the selected run's round, held-out accuracy and loss (where evaluated, one
above the other) and bytes per round over the retained history (``tui/history.py``, drawn
by ``tui/chart.py``). In a replay the table shows the runs at their past round; what the
history does not keep is ``-``.

``t`` starts a run (asks for its id; the other settings are ``TrainStart``'s defaults),
``x`` stops contributing to the selected run after a confirmation, ``v`` verifies it
(``byteswarm train verify``: the stored log replayed, every announced hash checked) and
``E`` exports its trained θ (``byteswarm train export``, into ``exports/theta/RUN.safetensors``),
each in a child process (torch, if needed, loads there), progress on a line under the table.
In a replay each of them is refused (``tui.replayer.refused``): they would act on the run now.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from node.wire.control import TrainStart, TrainStop
from node.wire.status.services import FinetuneStatus, RunStatus
from tui import text
from tui.chart import Chart
from tui.control import send_from
from tui.history import History, bytes_per_round, run_ids
from tui.jobs import theta_command, theta_path, verify_command
from tui.replayer import refused
from tui.source import Snapshot
from tui.views.dialogs import AskDialog, ConfirmDialog
from tui.views.job_line import JobLine

COLUMNS = ("run", "state", "round", "setup", "records", "refused", "agreed", "acc.")
"""Narrow enough for 80 columns; why a run was not joined is under the table."""


def run_state(run: RunStatus) -> str:
    """done, trained (not final yet), training or following (as ``byteswarm train status``)."""
    if run.round >= run.rounds and run.final_round >= run.rounds:
        return "done"
    if run.round >= run.rounds:
        return "trained, not final"
    return "training" if run.participating else "following"


def last_checkpoint(run: RunStatus) -> tuple[str, str]:
    """(how many of the peers agree, at which round; accuracy) at the newest checkpoint:
    ``1/2 @20`` is one of two agreeing at round 20."""
    if not run.checkpoints:
        return "-", "-"
    r = max(run.checkpoints, key=int)
    c = run.checkpoints[r]
    agree, disagree = len(c.agree), len(c.disagree)
    agreement = f"{agree}/{agree + disagree} @{r}"
    accuracy = "-" if c.accuracy is None else f"{100 * c.accuracy:.1f} %"
    return agreement, accuracy


def run_rows(finetune: FinetuneStatus, past: bool = False) -> list[tuple[str, ...]]:
    """One row per run this node follows, then one per run it could not join (``past``:
    a replay, whose records and refusals the history does not keep)."""
    rows: list[tuple[str, ...]] = []
    for run_id, run in finetune.runs.items():
        checkpoint, accuracy = last_checkpoint(run)
        records, refused = ("-", "-") if past else (str(run.records), str(run.refused))
        rows.append(
            (
                run_id,
                run_state(run),
                f"{run.round}/{run.rounds}",
                f"{run.mode or '?'}/{run.model or '?'}",
                records,
                refused,
                checkpoint,
                accuracy,
            )
        )
    for run_id in finetune.failed:
        rows.append((run_id, "not joined", "-", "-", "-", "-", "-", "-"))
    return rows


def run_charts(history: History | None, run_id: str | None) -> list[Chart]:
    """Round, held-out accuracy, held-out loss and bytes per round of ``run_id`` over the
    retained history."""
    points = history.span if history else ()
    start = text.clock(points[0].ts_s * 1000) if points else ""
    end = text.clock(points[-1].ts_s * 1000) if points else ""
    name = run_id or "no run"
    runs = [p.sample.runs.get(run_id) if run_id else None for p in points]
    rounds = [None if r is None else float(r.round) for r in runs]
    accuracy = [None if r is None or r.accuracy is None else 100 * r.accuracy for r in runs]
    loss = [None if r is None else r.loss for r in runs]
    per_round = bytes_per_round(points, run_id) if run_id else []
    pending = history is not None and history.span_pending
    note = "reading the history…" if pending else "nothing recorded yet"
    return [
        Chart(f"{name} round", rounds, lambda v: f"{v:.0f}", start, end, note=note),
        Chart(
            "accuracy",
            accuracy,
            lambda v: f"{v:.1f}%",
            start,
            end,
            note=note if pending else "not evaluated yet",
        ),
        Chart(
            "loss",
            loss,
            lambda v: f"{v:.3f}",
            start,
            end,
            note=note if pending else "not evaluated yet",
        ),
        Chart("bytes/round, all topics", per_round, text.size, start, end, note=note),
    ]


def verify_outcome(run_id: str, code: int, output: list[str]) -> str:
    """What ``byteswarm train verify --json`` found, in a line."""
    try:
        report = json.loads("\n".join(output))
        checked = [c for c in report["checkpoints"].values() if c["agree"] or c["disagree"]]
        differ = [r for r, c in report["checkpoints"].items() if c["disagree"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"verifying {run_id} failed: {output[-1] if output else f'exit {code}'}"
    replayed = f"{report.get('records', '?')} records replayed to round {report.get('round', '?')}"
    if differ:
        return f"run {run_id}: checkpoint(s) {', '.join(differ)} differ from peers' ({replayed})"
    if not checked:
        return f"run {run_id}: no checkpoint announced yet, nothing to check ({replayed})"
    return f"run {run_id} verified: {len(checked)} checkpoint(s) match ({replayed})"


class TrainingView(Vertical):
    """A summary line and the runs table (rows keyed by run id)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "start_run", "Start run"),
        Binding("x", "stop_run", "Stop run"),
        Binding("v", "verify_run", "Verify run"),
        Binding("E", "export_theta", "Export θ"),
    ]
    DEFAULT_CSS = """
    TrainingView #training-summary { height: auto; padding: 0 1; }
    TrainingView #runs { height: auto; max-height: 50%; }
    TrainingView #training-failed { height: auto; max-height: 5; padding: 0 1; }
    TrainingView #training-charts { height: 1fr; min-height: 5; padding: 0 1; }
    TrainingView #training-charts Static { width: 1fr; height: 1fr; margin-right: 1; }
    TrainingView #training-quality { width: 1fr; height: 1fr; margin-right: 1; }
    TrainingView #training-quality Static { margin-right: 0; }
    """

    def __init__(self, data_dir: Path, read_only: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.data_dir = data_dir
        self.read_only = read_only
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="training-summary")
        table: DataTable[str] = DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield JobLine(id="training-job")
        with Horizontal(id="training-charts"):  # accuracy above loss: one time axis
            yield Static(id="training-chart-0")
            with Vertical(id="training-quality"):
                yield Static(id="training-chart-1")
                yield Static(id="training-chart-2")
            yield Static(id="training-chart-3")
        yield Static(id="training-failed")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.read_only

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        finetune = snapshot.finetune or FinetuneStatus()
        rows = run_rows(finetune, past=snapshot.replay_s is not None)
        backend = finetune.backend
        summary = f"{len(rows)} run(s)" if rows else "no runs yet"
        if backend:
            summary += f"; forward passes on {backend}"
        if not self.read_only and snapshot.replay_s is None:
            summary += "; t starts a run; x stops, v verifies, E exports θ of the selected one"
        self.query_one("#training-summary", Static).update(summary)
        failed = finetune.failed
        why = "\n".join(f"{run_id} not joined: {reason}" for run_id, reason in failed.items())
        self.query_one("#training-failed", Static).update(why)
        table: DataTable[str] = self.query_one("#runs", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in rows:
            table.add_row(*row, key=row[0])
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.draw_charts()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.draw_charts()

    def draw_charts(self) -> None:
        """The selected run's curves (else the first run the history knows)."""
        if self.snapshot is None:
            return
        history = self.snapshot.history
        known = run_ids(history.span) if history else []
        run_id = self.selected_run()
        if run_id not in known:
            run_id = known[0] if known else None
        for i, chart in enumerate(run_charts(history, run_id)):
            self.query_one(f"#training-chart-{i}", Static).update(chart)

    def selected_run(self) -> str | None:
        table: DataTable[str] = self.query_one("#runs", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_start_run(self) -> None:
        if refused(self):
            return

        def start(run_id: str | None) -> None:
            if run_id:
                send_from(self, TrainStart(run_id=run_id), f"run {run_id} announced")

        ask = AskDialog("Start a training run: its id", "e.g. words-1", max_length=64)
        self.app.push_screen(ask, start)

    def action_stop_run(self) -> None:
        if refused(self):
            return
        run_id = self.selected_run()
        if run_id is None:
            self.app.notify("no run selected", severity="warning")
            return

        def stop(yes: bool | None) -> None:
            if yes:
                send_from(self, TrainStop(run_id=run_id), f"stopped contributing to {run_id}")

        self.app.push_screen(ConfirmDialog(f"Stop contributing to run {run_id}?"), stop)

    def action_verify_run(self) -> None:
        if refused(self):
            return
        run_id = self.selected_run()
        if run_id is None:
            self.app.notify("no run selected", severity="warning")
            return

        def said(code: int, output: list[str]) -> str:
            return verify_outcome(run_id, code, output)

        command = verify_command(self.data_dir, run_id)
        self.query_one(JobLine).start(f"verifying {run_id}", command, said)

    def action_export_theta(self) -> None:
        if refused(self):
            return
        run_id = self.selected_run()
        if run_id is None:
            self.app.notify("no run selected", severity="warning")
            return
        out = theta_path(self.data_dir, run_id)

        def said(code: int, output: list[str]) -> str:
            last = output[-1] if output else f"exit {code}"
            return f"θ of {run_id} written to {out}" if code == 0 else f"exporting θ failed: {last}"

        command = theta_command(self.data_dir, run_id)
        self.query_one(JobLine).start(f"exporting θ of {run_id}", command, said)
