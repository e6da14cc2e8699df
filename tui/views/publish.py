"""The publish dialog: one line of text for a signed note on ``byteswarm/notes``.

It only asks; the app sends the ``Publish`` command (``tui.app``) once it is dismissed
with a text.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

MAX_NOTE = 1000
"""The longest note ``byteswarm publish`` takes (characters)."""


class PublishDialog(ModalScreen[str | None]):
    """Enter publishes the text (stripped, not empty); Escape cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PublishDialog { align: center middle; }
    PublishDialog > Vertical {
        width: 70; max-width: 95%; height: auto; border: thick $accent; padding: 0 1;
        background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Publish a signed note on byteswarm/notes (Enter; Escape cancels)")
            yield Input(placeholder="note text", max_length=MAX_NOTE, id="note")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.dismiss(text)
        else:
            self.notify("the note text is empty", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)
