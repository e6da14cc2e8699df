"""The command palette (Ctrl+P): every node action by name, fuzzy-matched.

The app lists its actions (``NodeApp.node_actions``: the node's from ``tui/actions.py``,
screens, commands to the node, exports, starting and stopping the daemon, the replay's;
then theme, keys, quit); actions that write are absent when the app is read-only, so the
palette offers exactly what the keys do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.command import DiscoveryHit, Hit, Hits, Provider


@dataclass(frozen=True)
class NodeAction:
    """One thing an operator can do, by name."""

    name: str
    help: str
    run: Callable[[], object]


class NodeCommands(Provider):
    """The app's ``node_actions`` as palette hits."""

    def _actions(self) -> list[NodeAction]:
        app: object = self.app
        listed = getattr(app, "node_actions", None)
        return listed() if callable(listed) else []

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.name, action.run, help=action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            score = matcher.match(action.name)
            if score > 0:
                yield Hit(score, matcher.highlight(action.name), action.run, help=action.help)
