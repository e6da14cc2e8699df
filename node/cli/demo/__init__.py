"""``byteswarm demo``: a local swarm of real daemons, every service end to end, a report.

- ``command.py``       — the click command: options, stage order, one-line errors, exit codes.
- ``progress.py``      — what the user sees: stage headers, result lines, a tick while waiting.
- ``context.py``       — what every stage shares: the swarm, the nodes, sizes, progress.
- ``control.py``       — many operator commands to one daemon at once (the control table).
- ``world.py``         — the generated catalogue, its simulated users and their ground truth.
- ``watch.py``         — ``--tui``: the operator app on node0 in the foreground, output to a log.
- ``mesh_stage.py``    — the device daemons start, mesh and gossip signed notes.
- ``rank_stage.py``    — users search and click on every node; served nDCG@10 as clicks spread.
- ``finetune_stage.py``— one-byte SPSA across the devices: a restart, a late joiner, verify.
- ``adapt_stage.py``   — a cloud daemon adapts prompts for the devices' corruption streams.
- ``export_stage.py``  — the trained weights and the device model to ONNX, checked.
- ``report.py``        — report.json (every number), report.md and its PNG plots.
"""
