"""The palette's list (Ctrl+P): every action on the node showing, by name, that works now.

The screens first, then the commands to the node, its jobs, starting or stopping its
daemon (none of these when the app is read-only), then the replay's; ``NodeApp.node_actions``
adds the app's own (theme, keys, quit). ``tui/palette.py`` turns the list into hits.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.palette import NodeAction
from tui.pane import SCREENS, NodePane
from tui.views.adaptation import AdaptView
from tui.views.models import ModelsView
from tui.views.training import TrainingView

VIEW_TABS: dict[str, type] = {
    "training": TrainingView,
    "adaptation": AdaptView,
    "models": ModelsView,
}
"""The tab each view with palette actions lives on."""


def pane_actions(
    pane: NodePane, show_tab: Callable[[str], None], *, read_only: bool
) -> list[NodeAction]:
    """What the palette offers on ``pane``'s node; ``show_tab`` brings a screen up (the
    app's ``action_show_tab``, which also leaves the swarm for the first node)."""

    def tab(name: str) -> Callable[[], None]:
        return lambda: show_tab(name)

    def view(cls: type, method: str) -> Callable[[], None]:
        def run() -> None:
            show_tab(next(t for t, v in VIEW_TABS.items() if v is cls))
            getattr(pane.query_one(cls), method)()

        return run

    actions = [
        NodeAction(f"Show {title}", f"the {title} screen (key {key})", tab(name))
        for name, (key, title, _) in SCREENS.items()
        if not (name == "search" and read_only)
    ]
    if not read_only:
        actions += [
            NodeAction("Publish a note", "a signed note on byteswarm/notes (n)", pane.publish),
            NodeAction(
                "Start a training run",
                "asks for its id (t on Training)",
                view(TrainingView, "action_start_run"),
            ),
            NodeAction(
                "Stop the selected training run",
                "asks first (x on Training)",
                view(TrainingView, "action_stop_run"),
            ),
            NodeAction(
                "Start adapting",
                "adapt with no limit (a on Adapt)",
                view(AdaptView, "action_start"),
            ),
            NodeAction("Stop adapting", "asks first (x on Adapt)", view(AdaptView, "action_stop")),
            NodeAction(
                "Export a model",
                "byteswarm export, with progress (E on Models)",
                view(ModelsView, "action_export"),
            ),
        ]
        if pane.running:
            actions.append(NodeAction("Stop the node", "SIGTERM, asks first (K)", pane.stop_node))
        else:
            actions.append(
                NodeAction("Start the node", "byteswarm run in the background (R)", pane.start_node)
            )
    replayer = pane.replayer
    actions.append(NodeAction("Replay a time", "-10m, 14:02:10, ... (g)", replayer.jump))
    if replayer.replay_s is not None:
        play = "Pause the replay" if replayer.playback else "Play the replay"
        actions.append(NodeAction(play, "forward in time, +/- speed (P)", replayer.toggle_play))
        actions.append(NodeAction("Back to live", "leave the replay (L)", replayer.go_live))
    return actions
