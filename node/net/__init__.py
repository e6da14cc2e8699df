"""The network: a hardened py-libp2p host and what runs on it. The only package that
imports libp2p.

- ``host.py``         — ``P2PNode``: the running node: listen, join, dial, reconnect, police.
- ``stack.py``        — the py-libp2p host and gossipsub it runs on, built with our options.
- ``identity.py``     — the persistent Ed25519 seed (0600) behind the peer id and signatures.
- ``gossip.py``       — record topics on gossipsub: validated batches in, paced batches out.
- ``rpc.py``          — bounded requests over one kept channel stream per peer, on its newest
  connection.
- ``rpc_serve.py``    — the answering side: handlers on their own streams and on channels.
- ``streams.py``      — streams opened on a chosen connection (a peer's newest, or a given one).
- ``addresses.py``    — wildcard listen addresses announced as the interfaces; dialable.
- ``connector.py``    — dialing a peer id, the bootstrap reconnector, py-libp2p's own dials off;
  hanging up every connection at shutdown.
- ``directions.py``   — which side opened our connections to each peer (inbound/outbound).
- ``liveness.py``     — a kept ping stream per connection; a silent connection is closed.
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
