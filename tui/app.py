"""``NodeApp``: the operator app on one node's store or several, and ``run_app`` that
starts it.

One node: its screens fill the app (``tui.pane.NodePane``). Several: a tab per node and a
Swarm tab with all of them side by side; the screen keys (o, p, e, ...) act on the node
tab showing, ``1``-``9`` pick a node, ``w`` the swarm. ``[``/``]`` (``{``/``}``: bigger
steps, ``g``: a time) replay the node showing from its history, ``P`` plays the replay
(``+``/``-``: faster, slower), ``L`` goes back to live (``tui/replayer.py``).
The footer shows the keys of what has the focus, ``?`` all of them, Ctrl+P finds any
action by name; ``q`` quits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.system_commands import SystemCommandsProvider
from textual.widgets import Footer, Header, TabbedContent, TabPane

from tui.actions import pane_actions
from tui.control import ControlSender, Sender
from tui.palette import NodeAction, NodeCommands
from tui.pane import SCREENS, NodePane
from tui.replay import BIG_STEP_S, STEP_S
from tui.source import Snapshot, Source, StoreReader
from tui.views.adaptation import AdaptView
from tui.views.help import HelpScreen, KeyRow
from tui.views.models import ModelsView
from tui.views.peers import PeersView
from tui.views.swarm import SwarmView
from tui.views.training import TrainingView

WRITES = frozenset({"publish", "stop_node", "start_node"})
"""The app's actions that write (a control row, a signal, a process): hidden read-only."""
SCREEN_KEYS = [
    Binding(k, f"show_tab('{tab}')", t, show=False) for tab, (k, t, _) in SCREENS.items()
]
NODE_KEYS = [Binding(str(i), f"show_node({i})", f"Node {i}", show=False) for i in range(1, 10)]


class NodeApp(App[None]):
    """The screens of ``reader``'s node (and of ``others``, a tab each)."""

    TITLE = "byteswarm"
    COMMANDS: ClassVar = {NodeCommands, SystemCommandsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        *SCREEN_KEYS,
        *NODE_KEYS,
        Binding("w", "show_swarm", "Swarm", show=False),
        Binding("left_square_bracket", f"replay({-STEP_S})", "Back"),
        Binding("right_square_bracket", f"replay({STEP_S})", "Fwd", show=False),
        Binding("left_curly_bracket", f"replay({-BIG_STEP_S})", "Back 5 min", show=False),
        Binding("right_curly_bracket", f"replay({BIG_STEP_S})", "Fwd 5 min", show=False),
        Binding("g", "replay_jump", "Replay a time", show=False),
        Binding("P", "replay_play", "Play/pause"),
        Binding("plus", "replay_speed(1)", "Play faster", show=False),
        Binding("minus", "replay_speed(-1)", "Play slower", show=False),
        Binding("L", "live", "Live"),
        Binding("n", "publish", "Note"),
        Binding("R", "start_node", "Start node"),
        Binding("K", "stop_node", "Stop node", show=False),
        Binding("question_mark", "help", "Keys"),
        Binding("ctrl+t", "toggle_light", "Light/dark", show=False),
        Binding("q", "quit", "Quit"),
        # textual's own Ctrl-C only says "press ctrl+q"; an operator (and ``demo --tui``,
        # which stops its swarm when the app ends) expects Ctrl-C to quit.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        reader: Source,
        send: Sender | None = None,
        *,
        read_only: bool = False,
        others: Sequence[Source] = (),
    ) -> None:
        super().__init__()
        self.sources = [reader, *others]
        self.senders: list[Sender] = [send or ControlSender(reader.data_dir)]
        self.senders += [ControlSender(s.data_dir) for s in others]
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        yield Header()
        panes = [
            NodePane(source, send, read_only=self.read_only, id=f"node-{i}")
            for i, (source, send) in enumerate(zip(self.sources, self.senders, strict=True), 1)
        ]
        if len(panes) == 1:
            yield panes[0]
        else:
            with TabbedContent(id="nodes"):
                with TabPane("[b]w[/b] Swarm", id="swarm"):
                    yield SwarmView(panes)
                for i, pane in enumerate(panes, 1):
                    with TabPane(f"[b]{i}[/b] {pane.source.data_dir.name}", id=f"tab-{i}"):
                        yield pane
        yield Footer()

    def on_mount(self) -> None:
        where = ", ".join(str(s.data_dir) for s in self.sources)
        self.sub_title = where + (" (read-only)" if self.read_only else "")

    @property
    def panes(self) -> list[NodePane]:
        return list(self.screen_stack[0].query(NodePane))

    @property
    def pane(self) -> NodePane:
        """The node the keys act on: the one showing (the first while the swarm shows)."""
        panes = self.panes
        if len(panes) > 1:
            active = self.screen_stack[0].query_one("#nodes", TabbedContent).active
            for i, pane in enumerate(panes, 1):
                if active == f"tab-{i}":
                    return pane
        return panes[0]

    @property
    def snapshot(self) -> Snapshot | None:
        """The first node's newest snapshot (None before its first read)."""
        return self.panes[0].snapshot if self.panes else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ("quit", "help", "toggle_light") and len(self.screen_stack) > 1:
            return False  # a dialog is open: it has the keys
        if action in ("show_node", "show_swarm"):
            number = parameters[0] if parameters and isinstance(parameters[0], int) else 0
            return len(self.sources) > 1 and (action == "show_swarm" or number <= len(self.sources))
        writes = action in WRITES or parameters == ("search",)
        if self.read_only and writes:
            return False  # neither shown in the footer nor run
        forward = action == "replay" and isinstance(parameters[0], int) and parameters[0] > 0
        if action in ("live", "replay_play", "replay_speed") or forward:  # only in a replay
            return bool(self.panes) and self.pane.replay_s is not None
        if action in ("start_node", "stop_node") and self.panes:
            return (action == "stop_node") == self.pane.running
        return True

    def action_toggle_light(self) -> None:
        self.theme = "textual-dark" if self.theme == "textual-light" else "textual-light"

    def action_show_tab(self, tab: str) -> None:
        if len(self.sources) > 1 and self.query_one("#nodes", TabbedContent).active == "swarm":
            self.action_show_node(1)
        self.pane.show_tab(tab)

    def action_show_node(self, number: int) -> None:
        self.set_focus(None)
        self.query_one("#nodes", TabbedContent).active = f"tab-{number}"
        self.pane.show_tab(self.pane.query_one(TabbedContent).active or "overview")

    def action_show_swarm(self) -> None:
        self.set_focus(None)
        self.query_one("#nodes", TabbedContent).active = "swarm"
        self.query_one("#swarm-table").focus()

    def action_replay(self, seconds: int) -> None:
        self.pane.replayer.step(seconds)

    def action_replay_jump(self) -> None:
        self.pane.replayer.jump()

    def action_replay_play(self) -> None:
        self.pane.replayer.toggle_play()

    def action_replay_speed(self, step: int) -> None:
        self.pane.replayer.change_speed(step)

    def action_live(self) -> None:
        self.pane.replayer.go_live()

    def action_publish(self) -> None:
        self.pane.publish()

    def action_stop_node(self) -> None:
        self.pane.stop_node()

    def action_start_node(self) -> None:
        self.pane.start_node()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_rows()))

    def key_rows(self) -> list[KeyRow]:
        """Every key that works here, from the bindings (read-only: none that write)."""
        rows: list[KeyRow] = []
        for binding in self._bindings_of(type(self)):
            action, _, args = binding.action.partition("(")
            if self.read_only and (action in WRITES or args == "'search')"):
                continue
            if action in ("show_node", "show_swarm") and len(self.sources) == 1:
                continue
            rows.append((self.get_key_display(binding), binding.description, "anywhere"))
        views: list[tuple[type[DOMNode], str]] = [(PeersView, "Peers"), (TrainingView, "Training")]
        views += [(AdaptView, "Adapt"), (ModelsView, "Models")]
        for view, where in views:
            if self.read_only and view is not PeersView:
                continue  # their keys all write
            rows += [
                (self.get_key_display(b), b.description, where) for b in self._bindings_of(view)
            ]
        rows.append(("ctrl+p", "find any action by name", "anywhere"))
        return rows

    @staticmethod
    def _bindings_of(cls: type[DOMNode]) -> list[Binding]:
        return [b for b in cls.BINDINGS if isinstance(b, Binding)]

    def node_actions(self) -> list[NodeAction]:
        """What the palette offers: the node's actions (``tui/actions.py``), the app's."""
        return [
            *pane_actions(self.pane, self.action_show_tab, read_only=self.read_only),
            NodeAction("Toggle light/dark theme", "ctrl+t", self.action_toggle_light),
            NodeAction("Show the keys", "?", self.action_help),
            NodeAction("Quit", "q", self.exit),
        ]


def run_app(data_dirs: list[tuple[Path, Path]], *, read_only: bool = False) -> None:
    """Open each (data dir, store) read-only and run the app until the operator quits."""
    readers = [StoreReader(data_dir, store) for data_dir, store in data_dirs]
    try:
        NodeApp(readers[0], read_only=read_only, others=readers[1:]).run()
    finally:
        for reader in readers:
            reader.close()
