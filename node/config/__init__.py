"""The node's configuration: a TOML file mapped onto frozen dataclasses, every field with a
default (``byteswarm run`` needs no file), unknown keys and bad values an error that names
the key.

- ``settings.py`` — ``NodeConfig`` and its sections (gossip, sync, peer limits, metrics,
  history), ``load_config``, the checks; the data dir and store file names.
- ``mapping.py``  — TOML tables onto the dataclasses: unknown keys and wrong types refused.
- ``services.py`` — ``[adapt]``, ``[rank]``, ``[finetune]``: the services' sections.
- ``store.py``    — ``[store]``: quotas, retention, the ceiling, full-disk handling.
- ``authorlog.py`` — ``[authorlog]`` (recovering our own heads) and ``[clock]`` (the
  offset bound, clock round trips).
- ``network.py``   — ``[discovery]`` and ``[liveness]``: peer exchange, dialing, pings.
- ``link_faults.py`` — ``[link_faults]``: delay, jitter, loss, bandwidth per peer address.
- ``errors.py``   — ``ConfigError``, raised by every section's checks.
"""
