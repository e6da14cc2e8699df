"""Benchmarks that produce every number in the README, one package per service; each bench
writes JSON (+ PNG) to ``results/`` and runs as ``python -m bench.<service>.<name>``.

- ``rank/`` — G-Rank search ranking: simulated peers clicking and gossiping, served-ranking
  quality, attacks, wire bytes, ``rank()`` and ``byteswarm search`` latency.
- ``finetune/`` — one-byte SPSA fine-tuning: simulated peers on MiniLM-L6, Byzantine peers,
  stale θ under the pull transport, memory, wire bytes between real daemons.
- ``adapt/`` — cloud-device prompt adaptation on a continual digits corruption stream.
- ``export/`` — ONNX export: size, parity, int8 agreement, onnxruntime vs torch latency.
- ``network/`` — real daemons on hosts in network namespaces (mesh, dead peers, partitions,
  delay and loss) and a simulation of the network layer from 10 to 1,000 peers.
- ``runtime/`` — real local daemons: gossip throughput, attacks from a hostile peer, and the
  process and socket measurements the other benches on real daemons share.
- ``tui/`` — the operator app on a big store: first paint, store-change-to-redraw, RSS.
- ``results/`` — what the benches wrote (the README's numbers), with the command that ran.

A service package may import ``runtime``; no service imports another (``tests/bench/``
mirrors this tree and checks it).
"""
