"""The runtime: the daemon process that ties the host, the store, operator control and the
services together, and what services may ask of it.

- ``context.py``       — the seam: ``Service``, and ``NodeContext``, what a service may ask of
  its node (the daemon implements it; tests pass a fake).
- ``daemon.py``        — ``Daemon``: one trio nursery; the store thread, ingest, publishing;
  starts the tasks below.
- ``supervision.py``   — a crashed task restarted with backoff, never the node; stop signals.
- ``status_report.py`` — the ``NodeStatus`` section: assembled, written every interval.
- ``control_loop.py``  — operator commands claimed from the ``control`` table, run, answered.
- ``tail.py``          — ``tail(topic)``: a topic's newly committed records, woken by the
  daemon's commits and by ``PRAGMA data_version`` (writes of another process).
- ``catchup.py``       — sync pulls, heads checks that back off while peers are quiet, samples.
- ``catchup_server.py`` — the answering side: peers' pulls, heads checks and samples.
- ``discovery.py``     — the dialer: peers beyond the bootstrap, redialed after a restart
  or a lost link; who connected and left; writes the ``peers`` table.
- ``peer_exchange.py`` — the peer exchange (``/byteswarm/peers``): both sides, and when to
  ask each connected peer next.
- ``peer_book.py``     — the peers we know: hints vs reached, per-source caps, dial backoff.
- ``peer_stats.py``    — per peer: records in and out, how far each side's sync is behind.
- ``conn_manager.py``  — the connection manager's decisions (pure): how many to dial, which
  surplus links to close, when to answer "full" (discovery and bench/network/sim.py).
- ``pull_schedule.py`` — whom catch-up visits next, how many at once, per-peer failures.
- ``backoff.py``       — a delay that doubles while nothing happens, reset when something does.
- ``store_guard.py``   — the store's bounds at work: admission, publish checks, space probe,
  retention sweeper, publish mark.
- ``equivocation.py`` — one author, one log at ingest: a second record under one seq kept as
  evidence; a record of our own key we did not write (a twin) stops publishing.
- ``recovery.py``      — before the first publish, ask peers for our own newest records.
- ``clock_offsets.py`` — each peer's clock offset: the median of recent samples (pure).
- ``clock_watch.py``   — clock round trips and gossip samples, warnings, the swarm's time.
- ``history.py``       — the history writer: a sample a second (traffic per topic, CPU,
  RSS, services), written in batches from the store thread, old rows deleted.
- ``lock.py``          — the data-dir lock: one daemon per data directory.
- ``listen_check.py``  — a taken listen port is an error before the host starts.
- ``control_socket.py`` — the control socket's contract and the caller's side (stdlib only).
- ``control_wake.py``  — the daemon's side: wake the control loop when a row is queued.
"""
