"""The network layer in simulated time: N peers join off one bootstrap, find each other by
peer exchange, keep their links alive, gossip records on a gossipsub-like mesh and check
heads for catch-up; every message and byte each node sends is counted.

What is the node's code and what is modelled:

- the node's own decisions: the peer book (``node/runtime/peer_book.py``: whom to dial,
  what to tell, backoff, caps per source, the hold after a "full" answer; ``book.py``),
  how many to dial (``conn_manager.dial_want``), which links to close and when
  (``conn_manager.Trimmer``) and when an answer says "full" (``Trimmer.full_for``); the
  exchange schedule is discovery's intervals (right after connect, every 5 s while short,
  else every 30 s);
- connections: a dial to a node at ``max_connections`` fails (py-libp2p closes it), a
  dial takes one tick; ``manager=False`` runs without the connection manager (no trims,
  no "full"), as the node was before it: a bootstrap full at ``max_connections`` refuses
  joiners. The gossip mesh and peer roles are not simulated while links form (no link is
  kept for being in the mesh);
- liveness: one ping per connected peer every ``ping_interval`` seconds;
- catch-up: one heads request and answer per connected peer every ``sync_interval``;
- gossip: each node grafts up to ``degree`` of its connections; a record floods the mesh
  (a node forwards a first delivery to its mesh peers but the sender), and each heartbeat a
  node that saw records sends an IHAVE to up to ``lazy`` connected non-mesh peers. py-libp2p's
  gossipsub itself is not run: it is the standard protocol, modelled.

Sizes are approximate wire sizes (Noise + yamux + msgpack/protobuf framing included).
"""

from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from bench.network.book import Book
from node.runtime.conn_manager import Link, TrimLimits, Trimmer, dial_want


@dataclass(frozen=True)
class Params:
    peers: int = 100
    seconds: float = 180.0
    join_spacing: float = 0.05
    """Seconds between two joins (node i joins at i × this)."""
    tick: float = 0.5
    target_degree: int = 6
    max_dials: int = 4
    max_connections: int = 200
    manager: bool = True
    """Run the connection manager (``[discovery]`` high_water ... full_backoff below)."""
    high_water: int = 12
    low_water: int = 8
    trim_grace: float = 3.0
    trim_interval: float = 2.0
    full_backoff: float = 300.0
    exchange_interval: float = 30.0
    short_exchange_interval: float = 5.0
    pex_peers: int = 32
    ping_interval: float = 3.0
    sync_interval: float = 5.0
    degree: int = 6
    lazy: int = 6
    records_per_second: float = 10.0
    """Records published per second in the whole network (one random publisher each)."""
    seed: int = 0

    def limits(self) -> TrimLimits:
        return TrimLimits(
            self.high_water, self.low_water, self.trim_grace, self.trim_interval, self.full_backoff
        )


PEX_REQUEST_B, HINT_B, PEX_HEADER_B = 80, 110, 60
PING_B = 2 * 70
HEADS_B = 2 * 150
RECORD_MSG_B, IHAVE_B = 420, 120


@dataclass
class Peer:
    name: str
    book: Book
    trimmer: Trimmer
    links: dict[str, bool] = field(default_factory=dict)
    """Connected peers -> whether we dialled them (False: inbound)."""
    since: dict[str, float] = field(default_factory=dict)
    next_exchange: dict[str, float] = field(default_factory=dict)
    joined: bool = False


class Network:
    def __init__(self, params: Params) -> None:
        self.p = params
        self.rng = random.Random(params.seed)
        self.peers: dict[str, Peer] = {}
        self.msgs: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self.by_kind: Counter[str] = Counter()
        self.join_failures = 0
        self.trimmed = 0
        self.reached_target: dict[str, float] = {}
        self.joined_at: dict[str, float] = {}
        self.gossip_rates: dict[str, tuple[float, float]] = {}
        self.now = 0.0

    def send(self, sender: str, kind: str, size: int) -> None:
        self.msgs[sender] += 1
        self.bytes[sender] += size
        self.by_kind[kind] += size

    def link(self, a: str, b: str) -> bool:
        pa, pb = self.peers[a], self.peers[b]
        if b in pa.links or len(pb.links) >= self.p.max_connections:
            return False
        if len(pa.links) >= self.p.max_connections:
            return False
        pa.links[b], pb.links[a] = True, False
        pa.since[b] = pb.since[a] = self.now
        for x, y in ((pa, b), (pb, a)):
            x.book.connected(y, self.now)
            x.next_exchange[y] = self.now
        return True

    def unlink(self, a: str, b: str) -> None:
        for x, y in ((a, b), (b, a)):
            self.peers[x].links.pop(y, None)
            self.peers[x].since.pop(y, None)
            self.peers[x].next_exchange.pop(y, None)
            self.peers[x].book.disconnected(y, self.now)

    def run(self) -> dict[str, Any]:
        p = self.p
        names = [f"p{i}" for i in range(p.peers)]
        for name in names:
            self.peers[name] = Peer(name, Book(name, self.rng), Trimmer(p.limits()))
        while self.now < p.seconds:
            for i, name in enumerate(names):
                if not self.peers[name].joined and i * p.join_spacing <= self.now:
                    self.join(name)
            for name in names:
                if self.peers[name].joined:
                    self.step(self.peers[name])
            self.now += p.tick
        return self.measure(names)

    def join(self, name: str) -> None:
        peer = self.peers[name]
        peer.joined = True
        self.joined_at[name] = self.now
        if name != "p0" and not self.link(name, "p0"):
            self.join_failures += 1
            peer.book.learn("", ["p0"], self.now)

    def step(self, peer: Peer) -> None:
        p, now = self.p, self.now
        short = len(peer.links) < p.target_degree
        for other, due in list(peer.next_exchange.items()):
            if due <= now:
                interval = p.short_exchange_interval if short else p.exchange_interval
                peer.next_exchange[other] = now + interval
                self.send(peer.name, "discovery", PEX_REQUEST_B)
                answerer = self.peers[other]
                hints = answerer.book.sample(p.pex_peers, peer.name)
                self.send(other, "discovery", PEX_HEADER_B + HINT_B * len(hints))
                peer.book.learn(other, hints, now)
                if p.manager:
                    full = answerer.trimmer.full_for(peer.name, len(answerer.links), now)
                    peer.book.said_full(other, full, now, p.full_backoff)
        want = dial_want(p.target_degree, len(peer.links), 0, p.max_dials, False)
        if want > 0:
            skip = set(peer.links) | {peer.name}
            for other in peer.book.candidates(now, skip, want):
                self.send(peer.name, "discovery", 400)  # a dial: TCP + Noise + yamux + identify
                if not (self.peers[other].joined and self.link(peer.name, other)):
                    peer.book.dial_failed(other, now)
        if p.manager and len(peer.links) > p.high_water:
            links = [
                Link(o, t, peer.links[o], answered=peer.trimmer.was_answered(o, t))
                for o, t in peer.since.items()
            ]
            for other in peer.trimmer.decide(links, "", now):
                self.unlink(peer.name, other)
                self.trimmed += 1
        if len(peer.links) >= min(p.target_degree, p.peers - 1):
            self.reached_target.setdefault(peer.name, now - self.joined_at[peer.name])
        ticks = p.tick * len(peer.links)
        self.count_periodic(peer.name, "liveness", PING_B, ticks / p.ping_interval)
        self.count_periodic(peer.name, "catch-up", HEADS_B, ticks / p.sync_interval)

    def count_periodic(self, sender: str, kind: str, size: int, expected: float) -> None:
        whole = int(expected) + (self.rng.random() < expected - int(expected))
        for _ in range(whole):
            self.send(sender, kind, size)

    def gossip(self, names: list[str]) -> dict[str, Any]:
        """Mesh on the final links; flood records; IHAVE per heartbeat. Per node per second."""
        p = self.p
        mesh: dict[str, set[str]] = {n: set() for n in names}
        for n in names:
            links = sorted(self.peers[n].links)
            self.rng.shuffle(links)
            for other in links:
                if len(mesh[n]) >= p.degree:
                    break
                if len(mesh[other]) < 2 * p.degree:
                    mesh[n].add(other)
                    mesh[other].add(n)
        sent: Counter[str] = Counter()
        hops: list[int] = []
        reach: list[float] = []
        samples = 50
        for _ in range(samples):
            source = self.rng.choice(names)
            depth = {source: 0}
            queue = deque([source])
            while queue:
                n = queue.popleft()
                for other in mesh[n]:
                    if other == source or depth.get(other, 1 << 30) < depth[n]:
                        continue
                    sent[n] += 1
                    if other not in depth:
                        depth[other] = depth[n] + 1
                        queue.append(other)
            hops.append(max(depth.values()))
            reach.append(len(depth) / len(names))
        per_record = {n: sent[n] / samples for n in names}
        for n in names:  # one IHAVE per heartbeat (1 s) to each lazy peer
            lazy = min(p.lazy, len(self.peers[n].links) - len(mesh[n]))
            mesh_msgs = per_record[n] * p.records_per_second
            self.gossip_rates[n] = (mesh_msgs + lazy, mesh_msgs * RECORD_MSG_B + lazy * IHAVE_B)
        return {
            "mesh_hops_max": max(hops),
            "mesh_hops_mean": sum(hops) / len(hops),
            "reach_fraction_min": min(reach),
            "forwards_per_record_per_node": sum(per_record.values()) / len(names),
        }

    def measure(self, names: list[str]) -> dict[str, Any]:
        g = self.gossip(names)
        span = self.p.seconds
        degrees = sorted(len(self.peers[n].links) for n in names)
        per_node = {
            n: (
                self.msgs[n] / span + self.gossip_rates[n][0],
                self.bytes[n] / span + self.gossip_rates[n][1],
            )
            for n in names
        }
        msgs = sorted(v[0] for v in per_node.values())
        byts = sorted(v[1] for v in per_node.values())
        times = sorted(self.reached_target.values())
        return {
            "peers": len(names),
            "msgs_per_node_s": {"median": msgs[len(msgs) // 2], "max": msgs[-1]},
            "bytes_per_node_s": {"median": byts[len(byts) // 2], "max": byts[-1]},
            "bytes_by_kind_per_node_s": {
                k: v / span / len(names) for k, v in sorted(self.by_kind.items())
            }
            | {"gossip": sum(v[1] for v in self.gossip_rates.values()) / len(names)},
            "degree": {
                "min": degrees[0],
                "median": degrees[len(degrees) // 2],
                "max": degrees[-1],
            },
            "bootstrap_degree": len(self.peers["p0"].links),
            "join_failures": self.join_failures,
            "trimmed": self.trimmed,
            "reached_target_fraction": len(times) / len(names),
            "time_to_target_degree_s": {
                "median": times[len(times) // 2] if times else None,
                "max": times[-1] if times else None,
            },
            **g,
        }


def simulate(params: Params) -> dict[str, Any]:
    return Network(params).run()
