"""One-byte SPSA fine-tuning benches (``models.spsa``, the daemon's finetune service).

Commands (``python -m bench.finetune.<name>``):

- ``spsa.py`` — the headline bench: main part (one-byte methods against fp32 SPSA and
  Adam), Byzantine part, extras; parts run apart and merged (``results/spsa*.json``).
- ``stale.py`` — what the pull transport's stale θ costs, K varied
  (``results/spsa_stale*.json``).
- ``tune.py`` — learning-rate / batch probes on a validation part of the training split
  (``results/spsa_tune*.json``).
- ``wire.py`` — wire bytes per one-byte gradient at the sockets of real daemons
  (``results/spsa_wire*.json``).
- ``memory.py`` — peak RSS of one forward, SPSA step or Adam step, in a fresh process
  (run by ``extras.py``).

Pieces:

- ``config.py`` — ``SimConfig``: what one simulated run is.
- ``task.py`` — ``Task``: the model, its bitfit subset and the word-polarity split; the
  machine and the mean ± std summary.
- ``sim.py`` — simulated peers in one process, through the real ``Replica``.
- ``views.py`` — each peer's stale view of θ under the pull transport.
- ``attacks.py`` — what the Byzantine peers send.
- ``adam.py`` — the backprop reference.
- ``methods.py``, ``byzantine.py``, ``extras.py`` — the three parts of ``spsa.py``.
- ``report.py`` — targets, the PNG, the merge of parts.
"""
