"""The node's status document, typed: one msgspec struct per section of the ``status``
table, with its defaults in one place. The daemon and the services build these structs;
``codec`` encodes each section once (JSON, the ``status`` table's text column) and the CLI
and the TUI decode them with the same types. Imports msgspec and ``node.wire`` only (the TUI
reads it: no trio, libp2p, torch or onnxruntime).

- ``node.py`` — the ``node`` section: p2p/gossip counters, guard rejections per peer and
  cause, catch-up, the control socket, the store's health (NodeStatus and its parts)
- ``authorlog.py`` — the ``node`` section's parts on one author's log and clocks:
  equivocation evidence and twins, own-log recovery, clock offsets
- ``services.py`` — the services' sections: ``finetune`` (runs and checkpoints), ``adapt``
  (device or cloud, tagged by ``role``; the budget), ``rank`` (searches, clicks, pulls)
- ``history.py`` — ``HistorySample``: one second of the node's history (the ``history``
  table's MessagePack column); ``HistoryStatus``, the writer's counters
- ``codec.py`` — section names, ``encode_section`` (checked before it is written),
  ``decode_section`` (what a reader accepts; StatusError otherwise)
"""
