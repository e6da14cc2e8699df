"""Discovery against a fake host and store (no sockets, ``fake_p2p.py``): exchange, dial,
record, restore, a device's cloud, the high-water mark."""

from __future__ import annotations

from pathlib import Path

import msgspec
import trio

from node import wire
from node.runtime.discovery import Discovery
from node.store.rows import PeerRow
from node.wire.peers import PeersResponse, decode_peers_response
from tests.node.runtime.fake_p2p import FakeDaemon, V, answer, steps


def test_a_node_dials_the_peers_its_bootstrap_knows_and_records_them(tmp_path: Path) -> None:
    async def main() -> None:
        daemon = FakeDaemon(tmp_path, {"boot": answer("b", "c", "gone", role="cloud")})
        daemon.p2p.up = ["boot"]
        daemon.p2p.addrs["boot"] = ["/ip4/10.0.0.1/tcp/1"]
        daemon.p2p.reachable = {"b", "c"}
        discovery = Discovery(daemon)  # type: ignore[arg-type]
        await steps(discovery, 4)
        assert set(daemon.p2p.up) == {"boot", "b", "c"}
        assert discovery.book.role_of("boot") == "cloud"
        assert {p for p, _, up in daemon.store.recorded if up} == {"boot", "b", "c"}
        assert all(addrs for _, addrs, _ in daemon.store.recorded)
        assert discovery.book.peers["gone"].failures >= 1  # backing off, not hammered
        assert len([p for p, _ in daemon.p2p.dialed if p == "gone"]) <= 2

    trio.run(main)


def test_a_bad_answer_is_blamed_and_learns_nothing(tmp_path: Path) -> None:
    async def main() -> None:
        flood = msgspec.msgpack.encode([V, "", [[V, "x", ["/ip4/1.2.3.4/tcp/1"], "", 0]] * 10_000])
        daemon = FakeDaemon(tmp_path, {"evil": flood})
        daemon.p2p.up = ["evil"]
        discovery = Discovery(daemon)  # type: ignore[arg-type]
        assert await discovery.exchange("evil") == 0
        assert daemon.p2p.guard.blamed == [("evil", "protocol_error")]
        assert set(discovery.book.peers) == set()

    trio.run(main)


def test_restored_peers_are_redialed_and_banned_ones_never(tmp_path: Path) -> None:
    async def main() -> None:
        rows = [
            PeerRow("old", ["/ip4/10.0.0.8/tcp/1/p2p/old"], 0, 1, True, "connect"),
            PeerRow("bad", ["/ip4/10.0.0.9/tcp/1"], 0, 1, False, "connect"),
        ]
        daemon = FakeDaemon(tmp_path, {}, rows)
        daemon.p2p.reachable = {"old", "bad"}
        daemon.p2p.guard.bans = {"bad"}
        discovery = Discovery(daemon)  # type: ignore[arg-type]
        assert await discovery.restore() == 2
        await steps(discovery, 2)
        assert daemon.p2p.dialed == [("old", ["/ip4/10.0.0.8/tcp/1"])]

    trio.run(main)


def test_the_answer_holds_only_peers_we_reached(tmp_path: Path) -> None:
    async def main() -> None:
        daemon = FakeDaemon(tmp_path, {"boot": answer("hint1", "hint2")})
        daemon.p2p.up = ["boot", "asker"]
        daemon.p2p.addrs["boot"] = ["/ip4/10.0.0.1/tcp/1"]
        discovery = Discovery(daemon)  # type: ignore[arg-type]
        await steps(discovery, 1)
        request = msgspec.msgpack.encode([V, 32, "device"])
        reply = decode_peers_response(await discovery.serve(request, "asker"))
        assert reply.role == "cloud"
        peers = [h.peer_id for h in reply.peers]
        assert peers == ["boot"]
        assert discovery.book.role_of("asker") == "device"

    trio.run(main)


def test_a_device_at_its_target_degree_still_dials_a_cloud(tmp_path: Path) -> None:
    async def main() -> None:
        hints = answer("d1", "d2", "Cwd", roles={"Cwd": "cloud", "d1": "device"})
        daemon = FakeDaemon(
            tmp_path, {"boot": hints}, role="device", discovery={"target_degree": 1}
        )
        daemon.p2p.up = ["boot"]
        daemon.p2p.addrs["boot"] = ["/ip4/10.0.0.1/tcp/1"]
        daemon.p2p.reachable = {"d1", "d2", "Cwd"}
        discovery = Discovery(daemon)  # type: ignore[arg-type]
        assert discovery.status().needs == "cloud"
        await steps(discovery, 4)
        assert [p for p, _ in daemon.p2p.dialed] == ["Cwd"]  # and no device beyond target
        assert discovery.status().needs == ""

    trio.run(main)


def pinned_device(tmp_path: Path, reachable: set[str]) -> tuple[FakeDaemon, Discovery]:
    """A device with ``adapt.cloud_peer`` = Cpinned whose bootstrap knows two clouds."""
    hints = answer("Cother", "Cpinned", roles={"Cother": "cloud", "Cpinned": "cloud"})
    daemon = FakeDaemon(
        tmp_path,
        {"boot": hints},
        role="device",
        discovery={"target_degree": 1},
        adapt={"cloud_peer": "Cpinned"},
    )
    daemon.p2p.up = ["boot"]
    daemon.p2p.addrs["boot"] = ["/ip4/10.0.0.1/tcp/1"]
    daemon.p2p.reachable = reachable
    return daemon, Discovery(daemon)  # type: ignore[arg-type]


def test_a_device_with_a_pinned_cloud_dials_that_cloud_not_another(tmp_path: Path) -> None:
    async def main() -> None:
        daemon, discovery = pinned_device(tmp_path, {"Cother", "Cpinned"})
        assert discovery.status().needs == "cloud"
        await steps(discovery, 4)
        assert [p for p, _ in daemon.p2p.dialed] == ["Cpinned"]  # the pinned one, only
        assert discovery.status().needs == ""

    trio.run(main)


def test_a_device_whose_pinned_cloud_is_down_does_not_settle_for_another(tmp_path: Path) -> None:
    async def main() -> None:
        daemon, discovery = pinned_device(tmp_path, {"Cother"})
        await steps(discovery, 6)
        assert daemon.p2p.dialed[0][0] == "Cpinned"  # first, then again after its backoff
        assert [p for p, _ in daemon.p2p.dialed].count("Cpinned") >= 2
        assert discovery.status().needs == "cloud"  # another cloud does not count

    trio.run(main)


def test_above_the_high_water_mark_the_surplus_is_closed_and_answers_say_full(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        daemon = FakeDaemon(tmp_path, {}, discovery={"trim_grace": 0.0})
        inbound = [f"in{i}" for i in range(14)]
        daemon.p2p.up = [*inbound, "out"]
        daemon.p2p.links.dialed_by_us = {"out"}
        discovery = Discovery(daemon)  # type: ignore[arg-type]
        request = msgspec.msgpack.encode([V, 32, "device"])
        await steps(discovery, 1)
        assert decode_peers_response(await discovery.serve(request, "in0")).full
        await steps(discovery, 2)
        assert len(daemon.p2p.up) == 8 and "out" in daemon.p2p.up  # low_water; outbound kept
        closed = daemon.p2p.links.closed
        assert len(closed) == 7 and set(closed) <= set(inbound)
        status = discovery.status()
        assert (status.trims, status.trimmed, status.high_water) == (1, 7, 12)
        # back within the high-water mark: full only for a peer we just trimmed
        kept = daemon.p2p.up[0]
        assert not decode_peers_response(await discovery.serve(request, kept)).full
        assert decode_peers_response(await discovery.serve(request, closed[0])).full
        assert discovery.news() == [
            ("info", "closed 7 surplus connections in 1 trim (above 12, to 8)")
        ]
        assert discovery.news() == []  # the next one a minute later at most

    trio.run(main)


def test_a_peer_that_said_full_and_closed_our_link_is_not_redialed(tmp_path: Path) -> None:
    async def main() -> None:
        full = wire.encode(PeersResponse(V, "cloud", [], True))
        daemon = FakeDaemon(tmp_path, {"boot": full, "other": answer()})
        daemon.p2p.up = ["boot", "other"]
        for peer, ip in (("boot", 1), ("other", 2)):
            daemon.p2p.addrs[peer] = [f"/ip4/10.0.0.{ip}/tcp/1"]
        daemon.p2p.reachable = {"boot", "other"}
        discovery = Discovery(daemon)  # type: ignore[arg-type]
        await steps(discovery, 2)
        assert discovery.status().told_full == 1
        daemon.p2p.up = []  # both close our links
        await steps(discovery, 4)
        assert [p for p, _ in daemon.p2p.dialed] == ["other"]  # redialed at once; boot held
        assert daemon.p2p.links.held_until["boot"] > trio.current_time() + 250

    trio.run(main)
