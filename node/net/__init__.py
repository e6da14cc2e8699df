"""The network: a hardened py-libp2p host and what runs on it. The only package that
imports libp2p.

- ``host.py``         — ``P2PNode``: Noise, gossipsub settings, listen, dial, reconnect.
- ``identity.py``     — the persistent Ed25519 seed (0600) behind the peer id and signatures.
- ``gossip.py``       — record topics on gossipsub: validated batches in, paced batches out.
- ``rpc.py``          — bounded request/response over one kept channel stream per peer.
- ``addresses.py``    — wildcard listen addresses announced as the interfaces; dialable.
- ``connector.py``    — dialing a peer id, the bootstrap reconnector, py-libp2p's off.
- ``liveness.py``     — a kept ping stream per peer; a silent peer is disconnected.
- ``links.py``        — our connections for the connection manager: direction, mesh, close,
  peers held off from redials.
- ``framing.py``      — length-prefixed frames on streams; records packed into batches.
- ``ratelimit.py``    — per-peer token buckets, run before any signature check.
- ``peer_guard.py``   — cost follows blame: rejection counts, scores, graylist and bans.
- ``pubsub_guard.py`` — py-libp2p's pubsub supervised: no peer's bytes end the node.
- ``metrics.py``      — the opt-in Prometheus endpoint.
- ``link_faults.py``  — ``[link_faults]``: a TCP transport shaping what we send (tests, benches).
- ``libp2p_logs.py``  — py-libp2p's log records, one line each, through our handler.
"""
