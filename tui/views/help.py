"""The help screen (``?``): every key, where it works, what it does. Built from the
bindings themselves, so it cannot drift from them; keys that write are left out when
the app is read-only."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.views.dialogs import DIALOG_CSS

KeyRow = tuple[str, str, str]
"""(key, what it does, where it works)."""


def key_table(rows: list[KeyRow]) -> Table:
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("does")
    table.add_column("where", style="dim")
    for key, does, where in rows:
        table.add_row(key, does, where)
    return table


class HelpScreen(ModalScreen[None]):
    """Escape, ``?`` or ``q`` closes it; the list scrolls."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="HelpScreen")
        + """
    HelpScreen > Vertical { height: 90%; }
    HelpScreen VerticalScroll { height: 1fr; }
    """
    )

    def __init__(self, rows: list[KeyRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Keys[/b] (Escape closes; Ctrl+P finds any action by name)")
            with VerticalScroll():
                yield Static(key_table(self.rows), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
