"""The Adaptation screen (adapt): the device's accuracy, uncertainty, uploads and prompt
versions, or the cloud's paired devices and traffic, with the budget either runs under.

``a`` starts adapting (no sample or time limit), ``x`` stops after a confirmation.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from node.wire.control import AdaptStart, AdaptStop
from node.wire.status.services import AdaptStatus, BudgetStatus, CloudAdaptStatus
from tui import text
from tui.control import send_from
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


class AdaptView(VerticalScroll, can_focus=True):
    """The adapt status as a grid; focusable so its keys work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "start", "Adapt"),
        Binding("x", "stop", "Stop adapting"),
    ]
    DEFAULT_CSS = "AdaptView #adapt-info { height: auto; padding: 0 1; }"

    def __init__(self, read_only: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        yield Static(id="adapt-info")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.read_only

    def show(self, snapshot: Snapshot) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in adapt_lines(snapshot.adapt):
            grid.add_row(label, value)
        self.query_one("#adapt-info", Static).update(grid)

    def action_start(self) -> None:
        send_from(self, AdaptStart(), "adapting")

    def action_stop(self) -> None:
        def stop(yes: bool | None) -> None:
            if yes:
                send_from(self, AdaptStop(), "stopped adapting")

        self.app.push_screen(ConfirmDialog("Stop adapting?"), stop)
