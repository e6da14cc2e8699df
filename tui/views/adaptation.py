"""The Adaptation screen (adapt): the device's accuracy, uncertainty, uploads and prompt
versions, or the cloud's paired devices and traffic, with the budget either runs under;
under them, accuracy, uncertainty, uploads, upload bytes and the prompt version over the
retained history (``tui/history.py``, drawn by ``tui/chart.py``). In a replay the lines
are what the history kept at that second.

``a`` starts adapting (no sample or time limit), ``x`` stops after a confirmation; both are
refused in a replay (``tui.replayer.refused``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Static

from node.wire.control import AdaptStart, AdaptStop
from node.wire.status.history import HistorySample
from node.wire.status.services import AdaptStatus, BudgetStatus, CloudAdaptStatus
from tui import text
from tui.chart import Chart
from tui.control import send_from
from tui.history import History
from tui.replayer import refused
from tui.source import Snapshot
from tui.views.dialogs import ConfirmDialog


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def budget_line(budget: BudgetStatus) -> str:
    state = "running" if budget.running else "stopped"
    limit = budget.samples_limit
    samples = f"{budget.samples}" + (f"/{limit}" if limit is not None else "")
    left = budget.minutes_left
    minutes = f", {left:.1f} min left" if left is not None else ""
    return f"{state}, {samples} samples{minutes}"


def adapt_lines(adapt: AdaptStatus | None) -> list[tuple[str, str]]:
    """(label, value) rows for the adapt status document of either role."""
    if adapt is None:
        return [("adapt", "no status yet: this node does not run adapt, or has not started")]
    role = "cloud" if isinstance(adapt, CloudAdaptStatus) else "device"
    rows = [("role", role), ("family", adapt.family or "?")]
    if adapt.note:
        rows.append(("note", adapt.note))
    if isinstance(adapt, CloudAdaptStatus):
        paired = "\n".join(
            f"{text.short_peer(d)}: prompt v{v.prompt_version}" for d, v in adapt.devices.items()
        )
        rows += [
            ("devices", paired or "none paired"),
            ("uploads", f"{adapt.uploads} ({text.size(adapt.upload_bytes)})"),
            ("prompts out", text.size(adapt.prompt_bytes_served)),
            ("refused", f"{adapt.refused} refused, {adapt.dropped} dropped"),
        ]
    else:
        unsure = adapt.uncertainty_recent
        number = adapt.prompt_version
        version = f"v{number}" if number >= 0 else "none yet"
        rows += [
            ("cloud", adapt.cloud or "-"),
            ("samples", f"{adapt.samples} in {adapt.batches} batches"),
            ("accuracy", f"{_pct(adapt.accuracy)} (recent {_pct(adapt.accuracy_recent)})"),
            ("uncertainty", "-" if unsure is None else f"{unsure:.3f} recent"),
            ("uploads", f"{adapt.uploads}, {adapt.uplink_bytes_per_sample:.1f} B a sample"),
            (
                "prompt",
                f"{version}: {adapt.prompts_accepted} accepted, {adapt.prompts_rejected} rejected",
            ),
            ("last verdict", adapt.last_verdict or "-"),
        ]
    rows.append(("budget", budget_line(adapt.budget)))
    return rows


def past_lines(adapt: AdaptStatus | None, sample: HistorySample) -> list[tuple[str, str]]:
    """The adapt lines at a replayed second: what the history row keeps."""
    role = "cloud" if isinstance(adapt, CloudAdaptStatus) else "device"
    unsure = sample.adapt_uncertainty
    number = sample.prompt_version
    return [
        ("role", role),
        ("at", f"{text.clock(sample.ts_s * 1000)} (replay: only what the history keeps)"),
        ("accuracy", f"recent {_pct(sample.adapt_accuracy)}"),
        ("uncertainty", "-" if unsure is None else f"{unsure:.3f} recent"),
        ("uploads", f"{sample.adapt_uploads} ({text.size(sample.adapt_upload_bytes)})"),
        ("prompt", f"v{number}" if number >= 0 else "none yet"),
    ]


def adapt_charts(history: History | None) -> list[Chart]:
    """Accuracy, uncertainty, uploads, their bytes and the prompt version over time."""
    points = history.span if history else ()
    start = text.clock(points[0].ts_s * 1000) if points else ""
    end = text.clock(points[-1].ts_s * 1000) if points else ""
    samples = [p.sample for p in points]
    accuracy = [None if s.adapt_accuracy is None else 100 * s.adapt_accuracy for s in samples]
    unsure = [s.adapt_uncertainty for s in samples]
    uploads = [float(s.adapt_uploads) for s in samples]
    sent = [float(s.adapt_upload_bytes) for s in samples]
    version = [None if s.prompt_version < 0 else float(s.prompt_version) for s in samples]
    pending = history is not None and history.span_pending
    note = "reading the history…" if pending else "nothing recorded yet"

    def chart(title: str, values: list[float | None], label: Any) -> Chart:
        return Chart(title, values, label, start, end, height=2, note=note)

    return [
        chart("accuracy (recent)", accuracy, lambda v: f"{v:.1f}%"),
        chart("uncertainty", unsure, lambda v: f"{v:.3f}"),
        chart("uploads", list(uploads), lambda v: f"{v:.0f}"),
        chart("upload bytes", list(sent), text.size),
        chart("prompt version", version, lambda v: f"v{v:.0f}"),
    ]


class AdaptView(VerticalScroll, can_focus=True):
    """The adapt status as a grid; focusable so its keys work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "start", "Adapt"),
        Binding("x", "stop", "Stop adapting"),
    ]
    DEFAULT_CSS = """
    AdaptView #adapt-info { height: auto; padding: 0 1; }
    AdaptView #adapt-charts { grid-size: 2; grid-gutter: 0 2; height: auto; padding: 1 1 0 1; }
    AdaptView #adapt-charts Static { height: 4; }
    """

    def __init__(self, read_only: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        yield Static(id="adapt-info")
        with Grid(id="adapt-charts"):
            for i in range(5):
                yield Static(id=f"adapt-chart-{i}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.read_only

    def show(self, snapshot: Snapshot) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        point = snapshot.history.last() if snapshot.history else None
        if snapshot.replay_s is not None and point is not None:
            lines = past_lines(snapshot.adapt, point.sample)
        else:
            lines = adapt_lines(snapshot.adapt)
        for label, value in lines:
            grid.add_row(label, value)
        self.query_one("#adapt-info", Static).update(grid)
        for i, chart in enumerate(adapt_charts(snapshot.history)):
            self.query_one(f"#adapt-chart-{i}", Static).update(chart)

    def action_start(self) -> None:
        if refused(self):
            return
        send_from(self, AdaptStart(), "adapting")

    def action_stop(self) -> None:
        if refused(self):
            return

        def stop(yes: bool | None) -> None:
            if yes:
                send_from(self, AdaptStop(), "stopped adapting")

        self.app.push_screen(ConfirmDialog("Stop adapting?"), stop)
