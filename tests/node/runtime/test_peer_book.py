"""The peer book against explicit clocks: what an untrusted answer can make us do."""

from __future__ import annotations

import random

from node import wire
from node.runtime.peer_book import BookLimits, PeerBook
from node.wire.peers import PeerHint

ME = "me"


def hint(peer: str, addr: str = "/ip4/10.0.0.9/tcp/1", role: str = "") -> PeerHint:
    return PeerHint(wire.WIRE_VERSION, peer, [addr], role, 0)  # type: ignore[arg-type]


def book(**limits: float) -> PeerBook:
    return PeerBook(ME, BookLimits(**limits), random.Random(0))  # type: ignore[arg-type]


def never(peer: str) -> bool:
    return False


def test_one_source_fills_at_most_its_share_and_the_book_its_cap() -> None:
    b = book(max_known=50, max_per_source=16)
    assert b.learn("sybil", [hint(f"s{i}") for i in range(10_000)], 0.0) == 16
    assert b.learn("honest", [hint(f"h{i}") for i in range(5)], 0.0) == 5
    for source in range(10):
        b.learn(f"src{source}", [hint(f"x{source}-{i}") for i in range(16)], 0.0)
    assert len(b.peers) == 50  # full: further hints are dropped, not kept
    # a hint that failed to dial makes room; a verified peer is never evicted by hints
    b.connected("h0", ["/ip4/10.0.0.5/tcp/1"], 0.0, 100.0, ["/ip4/10.0.0.5/tcp/1"])
    b.dial_failed("s0", 1.0)
    assert b.learn("late", [hint("new")], 2.0) == 1
    assert "s0" not in b.peers and "h0" in b.peers and "new" in b.peers


def test_hints_are_never_passed_on_and_ourselves_never_kept() -> None:
    b = book()
    b.learn("p", [hint("claimed"), hint(ME), hint("p")], 0.0)
    assert set(b.peers) == {"claimed"}
    assert b.sample(32, exclude="q", now_wall=0.0) == []  # only peers we reached
    b.connected("reached", ["/ip4/10.0.0.7/tcp/1"], 0.0, 10.0, ["/ip4/10.0.0.7/tcp/1"])
    assert [h.peer_id for h in b.sample(32, exclude="q", now_wall=15.0)] == ["reached"]
    assert b.sample(32, exclude="q", now_wall=15.0)[0].seen_ago_s == 5
    assert b.sample(32, exclude="reached", now_wall=15.0) == []  # not told about itself


def test_candidates_skip_banned_connected_and_backing_off_peers() -> None:
    b = book()
    b.learn("src", [hint("a"), hint("banned"), hint("up")], 0.0)
    b.dial_failed("a", 0.0)  # next try at 1 s
    got = b.candidates(0.5, {"up"}, 10, lambda p: p == "banned")
    assert got == []
    assert [k.peer_id for k in b.candidates(1.0, {"up"}, 10, lambda p: p == "banned")] == ["a"]


def test_backoff_doubles_to_its_cap_and_a_recently_lost_peer_is_redialed_fast() -> None:
    b = book(max_backoff=300.0, redial_max_backoff=2.0, redial_window=600.0)
    b.learn("src", [hint("far")], 0.0)
    delays = [b.dial_failed("far", 0.0) for _ in range(12)]
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0] and delays[-1] == 300.0
    b.connected("near", ["/ip4/10.0.0.3/tcp/1"], 0.0, 0.0, ["/ip4/10.0.0.3/tcp/1"])
    b.disconnected("near", 10.0, 10.0)
    assert [k.peer_id for k in b.candidates(10.0, set(), 5, never)] == ["near"]
    assert max(b.dial_failed("near", 11.0) for _ in range(20)) == 2.0
    assert max(b.dial_failed("near", 10.0 + 601) for _ in range(20)) == 300.0  # window over


def test_dial_slots_go_round_robin_over_sources_and_the_needed_role_first() -> None:
    b = book(max_per_source=100)
    b.learn("sybil", [hint(f"s{i}") for i in range(50)], 0.0)
    b.learn("honest", [hint("h1"), hint("h2")], 0.0)
    b.learn("other", [hint("cloud1", role="cloud")], 0.0)
    chosen = [k.peer_id for k in b.candidates(0.0, set(), 4, never)]
    assert {"h1", "cloud1"} <= set(chosen) or {"h2", "cloud1"} <= set(chosen)
    assert b.candidates(0.0, set(), 1, never, role="cloud")[0].peer_id == "cloud1"


def test_restored_peers_are_dialed_at_their_stored_addresses() -> None:
    b = book()
    b.restore("old", ["/ip4/10.0.0.4/tcp/9"], 50.0)
    b.restore(ME, ["/ip4/10.0.0.1/tcp/9"], 50.0)
    b.restore("empty", [], 50.0)
    b.learn("src", [hint("hinted")], 0.0)
    first, second = b.candidates(0.0, set(), 5, never)
    assert first.peer_id == "old" and first.dial_addrs() == ["/ip4/10.0.0.4/tcp/9"]
    assert second.peer_id == "hinted"
    assert b.sample(5, "x", 60.0) == []  # not passed on before a connection confirms it
    b.connected("old", ["/ip4/10.0.0.4/tcp/9"], 1.0, 61.0, ["/ip4/10.0.0.4/tcp/9"])
    assert [h.peer_id for h in b.sample(5, "x", 61.0)] == ["old"]


def test_a_peers_own_claims_are_not_passed_on_unless_its_connection_confirms_them() -> None:
    b = book()
    b.connected("liar", [], 0.0, 0.0, ["/ip4/10.9.9.9/tcp/80"])  # came from another IP
    assert b.sample(5, "x", 0.0) == []
    assert b.peers["liar"].dial_addrs() == ["/ip4/10.9.9.9/tcp/80"]  # still ours to try


def test_a_peer_that_said_full_and_closed_our_link_is_not_redialed_before_its_hold() -> None:
    b = book()
    addr = ["/ip4/10.0.0.5/tcp/1"]
    for peer in ("full", "plain"):
        b.connected(peer, addr, 0.0, 100.0, addr)
    b.said_full("full", True, 1.0, 300.0)
    b.said_full("plain", False, 1.0, 300.0)
    b.disconnected("full", 5.0, 105.0)
    b.disconnected("plain", 5.0, 105.0)
    assert [k.peer_id for k in b.candidates(5.0, set(), 10, never)] == ["plain"]
    assert b.held("full", 5.0) and not b.held("plain", 5.0)
    assert {k.peer_id for k in b.candidates(301.0, set(), 10, never)} == {"full", "plain"}
    # a later answer that is not full lifts the hold
    b.connected("full", addr, 400.0, 500.0, addr)
    b.said_full("full", False, 401.0, 300.0)
    b.disconnected("full", 402.0, 502.0)
    assert not b.held("full", 402.0)
