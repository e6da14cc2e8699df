"""Benches on real local daemons (``byteswarm run`` processes on 127.0.0.1).

Commands (``python -m bench.runtime.<name>``):

- ``gossip.py`` — gossip throughput, delivery, latency, CPU and wire bytes per record
  (``results/gossip.json``).
- ``faults.py`` — attacks on a daemon: junk frames, floods, stalled streams, many identities
  (``results/faults*.json``).

Pieces:

- ``attacker.py`` — a hostile peer on the daemon's own stack (also used by tests).
- ``measure.py`` — a process's CPU seconds, its sockets' bytes sent, the JSON report; shared
  with ``bench/finetune/wire.py``.
"""
