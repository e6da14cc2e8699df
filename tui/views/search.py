"""The Search screen (rank): a query box, the ranked results with where each score came
from, the peers this node trusts most; Enter on a result records a click.

Both go to the daemon as typed control rows (``Search`` with ``explain``, ``Click``) from a
worker thread; the page the click was on is sent with it, in rank order. The answer is
decoded with its struct (``node.wire.control.SearchAnswer``): NaN, an unknown field or an
oversize list is an error line, never a half-drawn table. The table shows each result's
click score split into this node's own clicks and its peers' (each peer's clicks times its
similarity weight) and the BM25 match; the pane under it explains the highlighted row
(which peers, exploration), the one beside it the trusted peers and why. In a replay neither
is sent (``tui.replayer.refused``): the answer would be today's ranking, the click today's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from node.wire.control import (
    Click,
    Search,
    SearchAnswer,
    SearchResult,
    TrustedPeer,
    decode_search_answer,
)
from tui import text
from tui.control import CommandFailed, Sender
from tui.replayer import REFUSAL, refused

COLUMNS = ("#", "id", "title", "artist", "own", "peers", "bm25")


def number(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def result_row(result: SearchResult) -> tuple[str, ...]:
    """A results-table row: rank (``*`` explored), id, title, artist, own, peers, bm25."""
    score = result.score
    mark = "*" if result.explored else ""
    cells = (f"{result.rank}{mark}", result.id, result.title, result.artist)
    if score is None:
        return (*cells, "-", "-", "-")
    bm25 = number(score.bm25) if score.matched else "-"
    return (*cells, number(score.own), number(score.peers), bm25)


def why(result: SearchResult) -> str:
    """The highlighted result's breakdown, a few short lines (40 columns read)."""
    score = result.score
    head = f"[b]#{result.rank} {result.id}[/b] {text.clip(result.title, 28)}"
    if score is None:
        return head + "\nno breakdown in this answer"
    lines = [
        head,
        f"clicks {number(score.clicks)} = own {number(score.own)} + peers {number(score.peers)}",
        f"bm25 {number(score.bm25)} (text match)" if score.matched else "no text match: clicks",
    ]
    if score.attractiveness is not None:
        lines.append(
            f"ordered by attractiveness {number(score.attractiveness)}"
            f" (skips {number(score.skips or 0.0)})"
        )
    if score.top_peers:
        lines.append(
            "peers: "
            + ", ".join(
                f"{text.short_peer(p.peer, 6)} {number(p.share)} (w {number(p.weight)})"
                for p in score.top_peers
            )
        )
    if result.explored:
        lines.append(f"explored: served at #{score.served_rank}")
    return "\n".join(lines)


def trusted_line(peer: TrustedPeer) -> str:
    terms = f"{peer.shared_terms} term{'' if peer.shared_terms == 1 else 's'}"
    items = f"{peer.shared_items}/{peer.union_items} items"
    return f"{text.short_peer(peer.peer, 6)} w {number(peer.weight)}: {items}, {terms}"


def trusted_text(trusted: list[TrustedPeer]) -> str:
    """The trusted-peers pane: weight, shared/either's clicked items, shared query terms."""
    head = "[b]trusted peers[/b] (shared items, terms)"
    if not trusted:
        return head + "\nnone yet: no peer clicked\nwhat this node clicked"
    return head + "\n" + "\n".join(trusted_line(p) for p in trusted)


class SearchView(Vertical):
    """Query box, status line, results table (rows keyed by item id), the highlighted
    row's breakdown and the trusted peers."""

    DEFAULT_CSS = """
    SearchView #search-status { height: auto; padding: 0 1; }
    SearchView #results { height: 1fr; }
    SearchView #explain { height: 6; }
    SearchView #why { width: 1fr; padding: 0 1; }
    SearchView #trusted { width: 38; padding: 0 1; }
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
        self.answer: SearchAnswer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search the catalogue, Enter to rank", id="query")
        yield Static("type a query and press Enter", id="search-status")
        table: DataTable[str] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        for name in COLUMNS:
            table.add_column(name, width=20 if name == "title" else None)
        yield table
        with Horizontal(id="explain"):
            yield Static("", id="why")
            yield Static("", id="trusted")

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
        if refused(self):
            self._status(REFUSAL)
            return
        self._status(f"ranking {query!r}…")
        self.run_search(query)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str) -> None:
        try:
            reply = self._send(Search(query=query, explain=True))
            answer = decode_search_answer(reply)
        except (CommandFailed, ValueError) as exc:
            self.app.call_from_thread(self._failed, str(exc).splitlines()[0])
            return
        self.app.call_from_thread(self._show, query, answer)

    def _failed(self, message: str) -> None:
        self._status(f"[red]{message}[/red]")
        self.app.notify(message, severity="error")

    def _show(self, query: str, answer: SearchAnswer) -> None:
        self.answer = answer
        table: DataTable[str] = self.query_one("#results", DataTable)
        table.clear()
        self.query_text, self.shown = query, [r.id for r in answer.results]
        for result in answer.results:
            table.add_row(*result_row(result), key=result.id)
        self.query_one("#trusted", Static).update(trusted_text(answer.trusted))
        if answer.results:
            self._status(
                f"{len(answer.results)} results for {query!r}; Enter on one records a click"
            )
            self._explain(answer.results[0].id)
            table.focus()
        else:
            self.query_one("#why", Static).update("")
            names = ", ".join(r.title for r in answer.popular[:5])
            self._status(f"no items match {query!r}" + (f" (popular: {names})" if names else ""))

    def _explain(self, item: str) -> None:
        results = self.answer.results if self.answer is not None else []
        for result in results:
            if result.id == item:
                self.query_one("#why", Static).update(why(result))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "results" and event.row_key.value is not None:
            self._explain(str(event.row_key.value))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "results" or event.row_key.value is None:
            return
        if refused(self):
            self._status(REFUSAL)
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
