"""The Models screen: every exported model of this node (``tui.artifacts``) with its size,
contract version and recorded parity; ``E`` exports one (``byteswarm export`` in a child
process, its output shown as it runs, the UI never waiting on it; refused in a replay).

The folders are re-read every few seconds and when an export ends, from a worker.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, ProgressBar, Static

from tui import text
from tui.artifacts import Artifact, find_artifacts
from tui.jobs import EXPORT_MODELS, export_command, run_lines
from tui.replayer import refused
from tui.views.dialogs import AskDialog

COLUMNS = ("file", "model", "variant", "size", "contract", "parity")
RESCAN_S = 5.0
"""How often the folders are looked at again (an export from the CLI shows within this)."""


def artifact_row(artifact: Artifact) -> tuple[str, ...]:
    return (
        artifact.path.name,
        artifact.model,
        artifact.variant,
        text.size(artifact.size_bytes),
        artifact.contract,
        artifact.parity,
    )


class ModelsView(Vertical, can_focus=False):
    """A summary line, the artifacts table (rows keyed by path), the export's progress."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("E", "export", "Export")]
    DEFAULT_CSS = """
    ModelsView #models-summary { height: auto; padding: 0 1; }
    ModelsView #models-table { height: 1fr; }
    ModelsView #export-progress { height: 1; padding: 0 1; display: none; }
    ModelsView #export-progress.running { display: block; }
    ModelsView #export-status { height: auto; max-height: 3; padding: 0 1; }
    """

    def __init__(self, data_dir: Path, read_only: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.data_dir, self.read_only = data_dir, read_only
        self.artifacts: list[Artifact] | None = None
        self.exporting: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("looking for exported models…", id="models-summary")
        table: DataTable[str] = DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield ProgressBar(total=None, show_eta=False, id="export-progress")
        yield Static(id="export-status")

    def on_mount(self) -> None:
        self.scan()
        self.set_interval(RESCAN_S, self.scan)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.read_only

    @work(thread=True, exclusive=True, group="models")
    def scan(self) -> None:
        found = find_artifacts(self.data_dir)
        if self.app.is_running:
            self.app.call_from_thread(self.show_artifacts, found)

    def show_artifacts(self, artifacts: list[Artifact]) -> None:
        self.artifacts = artifacts
        where = "exports/ and models/ (the node's and its demo's)"
        summary = f"{len(artifacts)} exported model(s) under {where}"
        if not artifacts:
            summary = f"no exported models under {where}"
        if not self.read_only:
            summary += "; E exports one"
        self.query_one("#models-summary", Static).update(summary)
        table: DataTable[str] = self.query_one("#models-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for artifact in artifacts:
            table.add_row(*artifact_row(artifact), key=str(artifact.path))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def action_export(self) -> None:
        if refused(self):
            return
        if self.exporting is not None:
            self.app.notify(f"already exporting {self.exporting}", severity="warning")
            return

        def chosen(model: str | None) -> None:
            if model is None:
                return
            if model not in EXPORT_MODELS:
                self.app.notify(
                    f"no model {model!r}: {' or '.join(EXPORT_MODELS)}", severity="error"
                )
                return
            self.run_export(model)

        ask = AskDialog(f"Export which model ({' or '.join(EXPORT_MODELS)})?", "device", 16)
        self.app.push_screen(ask, chosen)

    def run_export(self, model: str) -> None:
        """Start exporting ``model``; progress shows under the table."""
        self.exporting = model
        self.query_one("#export-progress", ProgressBar).add_class("running")
        self._status(f"exporting {model}: starting")
        self.export_worker(model, export_command(self.data_dir, model))

    @work(thread=True, exclusive=True, group="export")
    def export_worker(self, model: str, command: list[str]) -> None:
        start = time.monotonic()

        def line(message: str) -> None:
            took = text.duration(time.monotonic() - start)
            self.app.call_from_thread(self._status, f"exporting {model} ({took}): {message}")

        try:
            code = run_lines(command, line)
        except OSError as exc:
            code, last = -1, str(exc)
        else:
            last = ""
        if self.app.is_running:
            self.app.call_from_thread(self._finished, model, code, last)

    def _status(self, message: str, style: str = "") -> None:
        line = Text(text.clip(message, 400), style=style)  # a child's output is not markup
        self.query_one("#export-status", Static).update(line)

    def _finished(self, model: str, code: int, error: str) -> None:
        self.exporting = None
        self.query_one("#export-progress", ProgressBar).remove_class("running")
        if code == 0:
            self._status(f"exported {model}")
            self.app.notify(f"exported {model}")
        else:
            why = error or str(self.query_one("#export-status", Static).content)
            self._status(f"export of {model} failed ({code}): {why}", "red")
            self.app.notify(f"export of {model} failed: {why}", severity="error")
        self.scan()
