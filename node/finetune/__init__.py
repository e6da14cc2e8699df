"""``finetune``: one-byte SPSA runs (``models.spsa``) shared between peers.

- ``spec.py``          — a run's ``RunSpec`` (from a ``TrainStart`` command) and the
  ``RunConfig`` every node derives from it.
- ``task.py``          — what a run trains here: weights, layout, backend, data shard.
- ``encoder_check.py`` — whether this node can train a model (its ONNX encoder is there).
- ``run.py``           — ``RunState``: one run as a node holds it (replica, task, hashes).
- ``finality.py``      — majority-final checkpoints and adopting one.
- ``log.py``           — the one rule for which stored records a replica takes, in store order.
- ``checkpoints.py``   — ``RunHandle``; serving and fetching final checkpoints.
- ``exchange.py``      — how a run's records travel: tailing, announcing, repair, pulls.
- ``service.py``       — ``FinetuneService``: run lifecycle and the round clock.
- ``verify.py``        — ``train verify``: replay a stored log offline and check the hashes.
- ``export.py``        — ``train export``: the verified θ as safetensors.
"""
