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
from tui import text
from tui.control import send_from
from tui.source import Snapshot
from tui.views.dialogs import ConfirmDialog


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.1f} %"


def budget_line(budget: dict[str, Any]) -> str:
    if not budget:
        return "-"
    state = "running" if budget.get("running") else "stopped"
    limit = budget.get("samples_limit")
    samples = f"{budget.get('samples', 0)}" + (f"/{limit}" if limit is not None else "")
    left = budget.get("minutes_left")
    minutes = f", {left:.1f} min left" if left is not None else ""
    return f"{state}, {samples} samples{minutes}"


def adapt_lines(adapt: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows for the adapt status document of either role."""
    if not adapt:
        return [("adapt", "no status yet: this node does not run adapt, or has not started")]
    rows = [("role", str(adapt.get("role", "?"))), ("family", str(adapt.get("family", "?")))]
    if adapt.get("note"):
        rows.append(("note", str(adapt["note"])))
    if adapt.get("role") == "cloud":
        devices: dict[str, dict[str, Any]] = adapt.get("devices", {})
        paired = "\n".join(
            f"{text.short_peer(d)}: prompt v{v.get('prompt_version')}" for d, v in devices.items()
        )
        rows += [
            ("devices", paired or "none paired"),
            ("uploads", f"{adapt.get('uploads', 0)} ({text.size(adapt.get('upload_bytes', 0))})"),
            ("prompts out", text.size(adapt.get("prompt_bytes_served", 0))),
            ("refused", f"{adapt.get('refused', 0)} refused, {adapt.get('dropped', 0)} dropped"),
        ]
    else:
        accepted, rejected = adapt.get("prompts_accepted", 0), adapt.get("prompts_rejected", 0)
        per_sample = float(adapt.get("uplink_bytes_per_sample", 0))
        unsure = adapt.get("uncertainty_recent")
        number = int(adapt.get("prompt_version", -1))
        version = f"v{number}" if number >= 0 else "none yet"
        rows += [
            ("cloud", str(adapt.get("cloud") or "-")),
            ("samples", f"{adapt.get('samples', 0)} in {adapt.get('batches', 0)} batches"),
            (
                "accuracy",
                f"{_pct(adapt.get('accuracy'))} (recent {_pct(adapt.get('accuracy_recent'))})",
            ),
            ("uncertainty", "-" if unsure is None else f"{float(unsure):.3f} recent"),
            (
                "uploads",
                f"{adapt.get('uploads', 0)}, {per_sample:.1f} B a sample",
            ),
            (
                "prompt",
                f"{version}: {accepted} accepted, {rejected} rejected",
            ),
            ("last verdict", str(adapt.get("last_verdict") or "-")),
        ]
    rows.append(("budget", budget_line(adapt.get("budget", {}))))
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
        for label, value in adapt_lines(snapshot.services.get("adapt", {})):
            grid.add_row(label, value)
        self.query_one("#adapt-info", Static).update(grid)

    def action_start(self) -> None:
        send_from(self, AdaptStart(), "adapting")

    def action_stop(self) -> None:
        def stop(yes: bool | None) -> None:
            if yes:
                send_from(self, AdaptStop(), "stopped adapting")

        self.app.push_screen(ConfirmDialog("Stop adapting?"), stop)
