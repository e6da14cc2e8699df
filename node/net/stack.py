"""The py-libp2p stack ``P2PNode`` runs on, with our options instead of the defaults.

Noise is the only security transport offered (the default also accepts plaintext); yamux
first, mplex for older peers; py-libp2p's transports wrapped by ``[link_faults]``; the
gossipsub heartbeat is 1 s (default 120 s); mesh degrees and the spam limit are explicit;
eclipse protection is off because every peer on one machine shares an IP; the peer scorer is
ours (node/net/peer_guard.py). The running node is node/net/host.py.
"""

from __future__ import annotations

import logging
from collections import Counter

from libp2p import new_host
from libp2p.abc import IHost
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as create_x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.pubsub.gossipsub import PROTOCOL_ID_V11, PROTOCOL_ID_V12, GossipSub
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.mplex.mplex import MPLEX_PROTOCOL_ID, Mplex
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux

from node.config.settings import NodeConfig
from node.net.addresses import announced
from node.net.identity import Identity
from node.net.link_faults import shaped_transports
from node.net.peer_guard import PeerGuard, connection_caps


def build_host(
    config: NodeConfig, identity: Identity, counters: Counter[str], log: logging.Logger
) -> IHost:
    """A libp2p host under ``identity``'s key: Noise only, yamux/mplex, our caps."""
    key_pair = create_new_key_pair(identity.seed)
    noise = NoiseTransport(key_pair, noise_privkey=create_x25519_key_pair().private_key)
    return new_host(
        transports=shaped_transports(config.link_faults, counters, log),
        key_pair=key_pair,
        sec_opt={NOISE_PROTOCOL_ID: noise},
        muxer_opt={TProtocol(YAMUX_PROTOCOL_ID): Yamux, MPLEX_PROTOCOL_ID: Mplex},
        connection_config=connection_caps(config),
        enable_metrics=bool(config.metrics.listen),
        addrs_factory=announced,  # a wildcard listen announces the interfaces
    )


def build_gossipsub(config: NodeConfig, guard: PeerGuard) -> GossipSub:
    """Gossipsub with ``[gossip]``'s degrees, heartbeat and spam limit, scored by ``guard``."""
    g = config.gossip
    gossipsub = GossipSub(
        protocols=[PROTOCOL_ID_V12, PROTOCOL_ID_V11],
        degree=g.degree,
        degree_low=g.degree_low,
        degree_high=g.degree_high,
        heartbeat_interval=g.heartbeat_interval,  # type: ignore[arg-type]
        spam_protection_enabled=True,
        max_messages_per_topic_per_second=g.max_messages_per_topic_per_second,
        eclipse_protection_enabled=False,
        score_params=guard.scorer.params,
    )
    # gossipsub builds its own scorer; ours also knows rate-limit rejections apart
    gossipsub.scorer = guard.scorer
    return gossipsub
