"""The network across hosts: namespaced hosts, real daemons, faults; and a simulation of the
network layer at scale.

Commands (``python -m bench.network.<name>``):

- ``mesh.py`` — 5-10 namespaced hosts: time to full mesh from one bootstrap, time to notice
  a dead peer, convergence after a partition heals, also with delay and loss injected
  (``results/network*.json`` + PNG).
- ``hub.py`` — real daemons in one process: N leaves off one hub with the default
  connection manager; the hub's degree and trims, the leaves' degrees
  (``results/network_hub*.json``).
- ``scale.py`` — peer exchange, gossip fan-out and catch-up in simulated time, 10 to 1,000
  peers: messages and bytes per node against N (``results/network_scale*.json`` + PNG).

Pieces:

- ``netns.py`` — the fabric: network namespaces on a bridge, cuts, partitions, heal, cleanup
  (also used by ``tests/node/net/test_multihost.py``).
- ``cluster.py`` — one ``python -m node run`` daemon per host, read through its data dir.
- ``scenarios.py`` — the measured scenarios, one function each (shared by mesh.py and tests).
- ``sim.py`` — the simulated network: peers, links and the protocol's decisions in simulated time.
- ``book.py`` — the node's peer book behind the simulation's seam (peer names for addresses).
- ``report.py`` — mean ± std over runs, the JSON and the PNGs.
"""
