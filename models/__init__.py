"""byteswarm models: pure computation, no network, no storage.

- ``rank/``     — G-Rank: click rows, peer similarity, scoring, BM25 cold start.
- ``spsa/``     — one-byte SPSA: shared-randomness directions, codes, engine, backends.
- ``adapt/``    — cloud-device prompt adaptation: digits stream, CNNs, prompts, selection.
"""
