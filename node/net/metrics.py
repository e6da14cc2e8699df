"""The opt-in Prometheus endpoint: ``[metrics] listen = "127.0.0.1:9464"``.

Exposes our counters (messages, records and bytes in/out, rejections by cause, peer
scores and bans) and py-libp2p's own metrics (gossipsub, swarm, ping events). py-libp2p's
``Metrics.start_prometheus_server`` is not used as it is: it binds every interface on the
first free port from 8000; here the address is the operator's, loopback by default, and
the server thread is stopped with the node.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import trio
from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from node.wire.status.node import P2PStatus

log = logging.getLogger("byteswarm.metrics")


def parse_listen(text: str) -> tuple[str, int]:
    """``host:port`` -> (host, port); raises ValueError naming what is wrong."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"expected host:port, got {text!r}")
    port = int(port_text)
    if not 0 < port < 65536:
        raise ValueError(f"port must be in 1..65535, got {port}")
    return host.strip("[]"), port


class NodeCollector(Collector):
    """Reads the node's status document on every scrape (no state of its own)."""

    def __init__(self, status: Callable[[], P2PStatus]) -> None:
        self._status = status

    def collect(self) -> Iterator[Any]:
        status = self._status()
        counters = CounterMetricFamily(
            "byteswarm_events", "Node counters by name (p2p.counters)", labels=["name"]
        )
        for name, value in sorted(status.counters.items()):
            counters.add_metric([str(name)], float(value))
        yield counters
        rejections = CounterMetricFamily(
            "byteswarm_rejections", "Rejected peer input by cause", labels=["cause"]
        )
        for cause, value in sorted(status.peers.rejections.items()):
            rejections.add_metric([str(cause)], float(value))
        yield rejections
        scores = GaugeMetricFamily("byteswarm_peer_score", "Peer score", labels=["peer"])
        for peer, info in sorted(status.peers.peers.items()):
            scores.add_metric([str(peer)], float(info.score))
        yield scores
        connected = GaugeMetricFamily("byteswarm_peers_connected", "Connected peers")
        connected.add_metric([], float(len(status.connected_peers)))
        yield connected


async def serve_metrics(listen: str, status: Callable[[], P2PStatus], events: Any | None) -> None:
    """Serve ``/metrics`` on ``listen`` until cancelled; feed py-libp2p's metric events."""
    host, port = parse_listen(listen)
    collector = NodeCollector(status)
    REGISTRY.register(collector)
    server, thread = start_http_server(port, addr=host)
    log.info("metrics on http://%s:%d/metrics", host, port)
    try:
        if events is None:
            await trio.sleep_forever()
        libp2p_metrics = _libp2p_metrics()
        async for event in events:
            try:
                libp2p_metrics_record(libp2p_metrics, event)
            except Exception:  # a metric must never cost the node
                log.debug("metric event not recorded: %r", event)
    finally:
        REGISTRY.unregister(collector)
        server.shutdown()
        thread.join(timeout=5)


_LIBP2P_METRICS: list[Any] = []


def _libp2p_metrics() -> Any:
    """py-libp2p's metric families, registered once per process (a second registration of
    the same names raises)."""
    if not _LIBP2P_METRICS:
        from libp2p.metrics.metrics import Metrics

        _LIBP2P_METRICS.append(Metrics())
    return _LIBP2P_METRICS[0]


def libp2p_metrics_record(metrics: Any, event: Any) -> None:
    """Dispatch one py-libp2p metric event as its own server loop would."""
    from libp2p.host.ping import PingEvent
    from libp2p.metrics.swarm import SwarmEvent
    from libp2p.pubsub.pubsub import GossipsubEvent

    if isinstance(event, PingEvent):
        metrics.ping.record(event)
    elif isinstance(event, GossipsubEvent):
        metrics.gossipsub.record(event)
    elif isinstance(event, SwarmEvent):
        metrics.swarm.record(event)
