"""What a new run uses when its starter says nothing (``train start`` and the control table).

η, probes and decay are the setting chosen on the validation split
(bench/results/spsa_tune_probes.json) and measured on the test split (README: 91.0 %
independent, 90.8 % shared; 4 peers, 300 rounds, MiniLM). A module of its own so that the
command line can show them without importing the engine.
"""

DEFAULT_LEARNING_RATE = 3e-2
DEFAULT_PROBES = 8
DEFAULT_DECAY_FLOOR = 0.1
DEFAULT_PULL_EVERY = 8
"""Rounds between pulls of a run's records when they travel by sync (``--grads-by pull``)."""
