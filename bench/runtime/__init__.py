"""Benches on real local daemons (``byteswarm run`` processes on 127.0.0.1).

Commands (``python -m bench.runtime.<name>``):

- ``gossip.py`` — gossip throughput, delivery, latency, CPU and wire bytes per record
  (``results/gossip.json``).
- ``faults.py`` — attacks on a daemon: junk frames, floods (invalid and valid), slow Sybils,
  stalled streams, many identities, each run several times (``results/faults*.json``).
- ``faults_report.py`` — those runs as mean ± std: the summary, the README table, the PNG.
- ``history_cost.py`` — what the per-second history costs: rows and bytes an hour, the
  writer's CPU, a 48 h read (``results/history_cost.json``).
- ``discovery.py`` — mesh from one bootstrap, a stopped peer noticed, records after it resumes
  (``results/discovery_loopback.json``).
- ``fault_acker.py`` — the operator during an attack: timed publishes from a process of its own.

Pieces:

- ``attacker.py`` — a hostile peer on the daemon's own stack (also used by tests).
- ``fault_attacks.py`` — the attacks ``faults.py`` runs, one coroutine each.
- ``fault_window.py`` — one case's window on the victim: CPU, RSS, operator acks, honest
  delivery, when attackers were penalised and banned, what of theirs it stored.
- ``victim_store.py`` — what the attacked daemon stored: honest delivery delays, attackers' rows.
- ``measure.py`` — a process's CPU seconds, its sockets' bytes sent, the JSON report; shared
  with ``bench/finetune/wire.py``.
"""
