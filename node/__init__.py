"""byteswarm node runtime: everything a headless edge device runs (no torch, no textual).

- ``config.py``          — TOML file -> frozen dataclasses; defaults so no file is needed.
- ``identity.py``        — the persistent Ed25519 seed (0600) behind the peer id.
- ``wire.py``            — every message format (msgspec structs), limits, author signatures.
- ``store.py``           — the SQLite store: records (the synced log), status, transactions.
- ``store_operator.py``  — store tables for operators: peers, events, control rows, status.
- ``store_sync.py``      — the record-log reads sync serves: pages, newest, heads, held ranges.
- ``store_connect.py``   — opening the SQLite file with the right pragmas.
- ``store_rows.py``      — the store's row dataclasses and errors.
- ``migrations.py``      — ordered schema migrations (PRAGMA user_version).
- ``ratelimit.py``       — per-peer token buckets, run before any signature check.
- ``p2p.py``             — the hardened libp2p host: Noise, gossipsub setup, sync, reconnect.
- ``gossip.py``          — record topics on gossipsub: validated batches in, paced batches out.
- ``rpc.py``             — bounded request/response over one kept channel stream per peer.
- ``framing.py``         — length-prefixed frames on streams; records packed into batches.
- ``daemon.py``          — the trio nursery that ties p2p, store, control and services together.
- ``control_client.py``  — the CLI's side of the control table: queue a command, wait for it;
  ``control_socket.py`` — the data dir's unix socket that makes it immediate (caller's side);
  ``control_wake.py`` — the daemon's side of that socket.
- ``catchup.py``         — sync pulls, heads checks that back off while peers are quiet, samples.
- ``pull_schedule.py``   — whom catch-up visits next, how many at once, per-peer failure counts.
- ``backoff.py``         — a delay that doubles while nothing happens, reset when something does.
- ``services.py``        — which services a node runs; ``ml_logs.py`` — quiet torch/ONNX logs;
  ``libp2p_logs.py`` — py-libp2p's records one line each in the daemon's log.
- ``cli.py``             — the ``byteswarm`` command line; ``run_cli.py`` — ``byteswarm run``.
- ``rank_records.py``    — catalogue items and click records; ``rank_tail.py`` — the index
  kept up to date with the store; ``rank_service.py`` — G-Rank in the daemon (pulls);
  ``rank_cli.py`` — search, click, items.
- ``finetune_task.py``   — what a run trains here (torch or onnxruntime backend, data shard);
  ``finetune_spec.py`` — a run's spec and its RunConfig;
  ``finetune_run.py`` — one SPSA run as a node holds it; ``finetune_finality.py`` — majority-
  final checkpoints and adopting one; ``finetune_checkpoints.py`` — serving and fetching
  them; ``finetune_service.py`` — run lifecycle and the round clock;
  ``finetune_exchange.py`` — tailing, hash announcements, repair, the pull transport;
  ``finetune_verify.py`` — replay a stored log; ``finetune_cli.py`` — train.
- ``adapt_device.py``    — adapt, device role; ``adapt_cloud.py`` — cloud role;
  ``adapt_budget.py`` — when adaptation may work; ``adapt_cli.py`` — adapt status, start, stop.
- ``swarm.py``           — a local swarm of real daemons (demo, integration tests, bench).
- ``demo.py``            — ``byteswarm demo``: the stages that run every service end to end.
"""
