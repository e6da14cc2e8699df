"""Modal dialogs: ``AskDialog`` asks for one line of text, ``ConfirmDialog`` for a yes
before anything destructive. They only ask; the app sends the command."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 70; max-width: 95%; height: auto; border: thick $accent; padding: 0 1;
    background: $surface;
}}
{name} Horizontal {{ height: auto; }}
"""


class AskDialog(ModalScreen[str | None]):
    """Enter returns the text (stripped, not empty); Escape cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="AskDialog")

    def __init__(self, prompt: str, placeholder: str = "", max_length: int = 0) -> None:
        super().__init__()
        self.prompt, self.placeholder, self.max_length = prompt, placeholder, max_length

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.prompt} (Enter; Escape cancels)")
            yield Input(placeholder=self.placeholder, max_length=self.max_length, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.dismiss(text)
        else:
            self.notify("nothing typed", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """``y`` (or the Yes button) confirms; ``n``, Escape or No declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", variant="primary", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
