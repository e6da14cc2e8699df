"""The Search screen (rank): a query box, the ranked results, Enter on one records a click.

Both go to the daemon as typed control rows (``Search``, ``Click``) from a worker thread;
the page the click was on is sent with it, in rank order.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from node.wire.control import Click, Search
from tui.control import CommandFailed, Sender


class SearchView(Vertical):
    """Query box, status line, results table (rows keyed by item id)."""

    DEFAULT_CSS = """
    SearchView #search-status { height: auto; padding: 0 1; }
    SearchView #results { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave_query", "Leave the box"),
        Binding("slash", "edit_query", "Query"),
    ]

    def __init__(self, send: Sender, **kw: Any) -> None:
        super().__init__(**kw)
        self._send = send
        self.query_text = ""
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search the catalogue, Enter to rank", id="query")
        yield Static("type a query and press Enter", id="search-status")
        table: DataTable[str] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "id", "title", "artist")
        yield table

    def action_leave_query(self) -> None:
        """Out of the query box, so the screen keys (o, p, s, q) work again."""
        self.query_one("#results", DataTable).focus()

    def action_edit_query(self) -> None:
        self.query_one("#query", Input).focus()

    def _status(self, message: str) -> None:
        self.query_one("#search-status", Static).update(message)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            return
        self._status(f"ranking {query!r}…")
        self.run_search(query)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        try:
            answer = self._send(Search(query=query))
        except CommandFailed as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, query, answer)

    def _failed(self, message: str) -> None:
        self._status(f"[red]{message}[/red]")
        self.app.notify(message, severity="error")

    def _show(self, query: str, answer: dict[str, Any]) -> None:
        results: list[dict[str, Any]] = answer.get("results", [])
        popular: list[dict[str, Any]] = answer.get("popular", [])
        table: DataTable[str] = self.query_one("#results", DataTable)
        table.clear()
        self.query_text, self.shown = query, [str(r["id"]) for r in results]
        for r in results:
            mark = "*" if r.get("explored") else ""
            row = (f"{r['rank']}{mark}", str(r["id"]), str(r["title"]), str(r["artist"]))
            table.add_row(*row, key=str(r["id"]))
        if results:
            self._status(f"{len(results)} results for {query!r}; Enter on one records a click")
            table.focus()
        else:
            names = ", ".join(str(r["title"]) for r in popular[:5])
            self._status(f"no items match {query!r}" + (f" (popular: {names})" if names else ""))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "results" or event.row_key.value is None:
            return
        item = str(event.row_key.value)
        self._status(f"recording a click on {item}…")
        self.run_click(self.query_text, item, list(self.shown))

    @work(thread=True, exclusive=True, group="click")
    def run_click(self, query: str, item: str, shown: list[str]) -> None:
        try:
            result = self._send(Click(query=query, item=item, shown=shown))
        except CommandFailed as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        message = f"click #{result.get('seq', '?')}: {query!r} -> {item}"
        self.app.call_from_thread(self._status, message)
