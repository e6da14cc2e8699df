"""Several nodes: a tab per data dir, the screen keys act on the node showing, and the
Swarm tab shows them all side by side."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import msgspec
from click.testing import CliRunner
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from node.cli.tui import stores_in
from node.config.settings import STORE_FILE
from node.store.database import Store
from tests.tui.frozen import FrozenSource, frozen_snapshot
from tests.tui.pilot import drive, no_daemon, table_rows, wait_for
from tui.app import NodeApp


def two_nodes() -> NodeApp:
    a = FrozenSource(data_dir=Path("/srv/swarm/node0"))
    stopped = frozen_snapshot(Path("/srv/swarm/node1"))
    assert stopped.status is not None
    status = msgspec.structs.replace(
        stopped.status, running=False, role="cloud", connected_peers=[]
    )
    b = FrozenSource(Path("/srv/swarm/node1"), dataclasses.replace(stopped, status=status))
    return NodeApp(a, send=no_daemon, others=[b])


def test_swarm_tab_shows_every_node_side_by_side() -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        assert app.query_one("#nodes", TabbedContent).active == "swarm"
        await wait_for(pilot, lambda: all(p.snapshot for p in app.panes))
        await pilot.pause(1.2)  # the swarm redraws once a second
        rows = table_rows(app, "#swarm-table")
        assert [r[0] for r in rows] == ["node0", "node1"]
        assert rows[0][2:] == ["device", "1", "10", "rank, finetune", "running"]
        assert rows[1][2:] == ["cloud", "0", "10", "rank, finetune", "stopped"]

    drive(two_nodes(), scenario)


def test_number_keys_pick_a_node_and_screen_keys_act_on_it() -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("2")
        assert app.query_one("#nodes", TabbedContent).active == "tab-2"
        assert app.pane.source.data_dir.name == "node1"
        await pilot.press("f")
        assert app.pane.query_one(TabbedContent).active == "training"
        first = app.panes[0].query_one(TabbedContent).active
        assert first == "overview"  # the other node's tabs did not move
        assert "Start the node" in {a.name for a in app.node_actions()}  # node1 stopped
        await pilot.press("w")
        assert app.query_one("#nodes", TabbedContent).active == "swarm"
        await pilot.press("p")  # a screen key from the swarm opens node 1's screen
        assert app.query_one("#nodes", TabbedContent).active == "tab-1"
        assert app.pane.query_one(TabbedContent).active == "peers"

    drive(two_nodes(), scenario)


def test_one_node_has_no_swarm_or_number_keys() -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        assert not app.query("#nodes")
        keys = {b.binding.key for b in app.active_bindings.values() if b.enabled}
        assert not keys & {"1", "2", "w"}

    drive(NodeApp(FrozenSource(), send=no_daemon), scenario)


def test_a_demo_root_opens_each_node_folder(tmp_path: Path) -> None:
    for name in ("node0", "node1", "node2"):
        (tmp_path / name).mkdir()
        Store.open(tmp_path / name / STORE_FILE).close()
    (tmp_path / "models").mkdir()
    assert [d.name for d, _ in stores_in(tmp_path)] == ["node0", "node1", "node2"]
    assert stores_in(tmp_path / "node1") == [(tmp_path / "node1", tmp_path / "node1" / STORE_FILE)]


def test_a_kept_demo_opens_its_nodes_folder(tmp_path: Path) -> None:
    for name in ("node0", "node1"):  # what byteswarm demo --keep leaves: DEMO/nodes/nodeN
        (tmp_path / "nodes" / name).mkdir(parents=True)
        Store.open(tmp_path / "nodes" / name / STORE_FILE).close()
    found = stores_in(tmp_path)
    assert [d for d, _ in found] == [tmp_path / "nodes" / "node0", tmp_path / "nodes" / "node1"]


def test_port_without_serve_is_refused(tmp_path: Path) -> None:
    from node.cli.app import cli

    Store.open(tmp_path / STORE_FILE).close()
    result = CliRunner().invoke(cli, ["tui", "--data-dir", str(tmp_path), "--port", "9000"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --port is for --serve"


def test_several_data_dirs_on_the_command_line_and_a_bad_one(tmp_path: Path) -> None:
    from node.cli.app import cli

    result = CliRunner().invoke(
        cli, ["tui", "--data-dir", str(tmp_path), "--data-dir", str(tmp_path / "none")]
    )
    assert result.exit_code == 2
    assert "no node store at" in result.stderr
