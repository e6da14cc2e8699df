"""byteswarm node runtime: everything a headless edge device runs (no torch, no textual).

One folder per concept; the floors, top to bottom (import-linter keeps them; an arrow may
only point down): ``cli`` -> ``rank`` | ``finetune`` | ``adapt`` (the services) ->
``runtime`` -> ``net`` | ``store`` -> ``config`` | ``wire``. docs/architecture.md tells
the whole story.

- ``cli/``      — the ``byteswarm`` command line (one module per command group), the
  services a node runs, ``byteswarm demo`` and the local swarm of processes.
- ``rank/``     — G-Rank in the node: catalogue and click records, the live index, the service.
- ``finetune/`` — one-byte SPSA runs: spec, replica state, finality, checkpoints, the
  record exchange, the service, ``train verify`` and ``train export``.
- ``adapt/``    — cloud-device prompt adaptation: the device and cloud services, the budget.
- ``runtime/``  — the daemon (one trio nursery), the seam services receive (``NodeContext``),
  catch-up, the store bounds at work, the data-dir lock.
- ``net/``      — the hardened libp2p host: identity, gossip, request/response, framing,
  rate limits, peer scores, pubsub supervision, metrics.
- ``store/``    — the SQLite store: connection, rows, migrations, sync reads, operator
  tables, bounds (quotas, health, the publish mark).
- ``config/``   — the TOML file mapped onto frozen dataclasses.
- ``wire/``     — every message format (msgspec structs), limits, author signatures.
- ``__main__.py`` — ``python -m node`` is ``byteswarm``.
"""
