"""The ``byteswarm`` command line, the top floor: nothing below imports it.

- ``app.py``      — the top-level group: registers every command, ``main``.
- ``common.py``   — what every command shares: one-line errors, options, config, store.
- ``control.py``  — queue an operator command for the running daemon and wait for it.
- ``run.py``      — ``byteswarm run``: the headless daemon.
- ``services.py`` — which services a node runs; ``ml_logs.py`` — quiet torch/ONNX logs.
- ``node.py``     — ``status``, ``id``, ``stop``, ``peers``, ``events``.
- ``text.py``     — numbers and times as an operator reads them (the TUI uses them too).
- ``history.py``  — ``history``: the per-second history, downsampled (``--since``, ``--points``).
- ``notes.py``    — ``publish``, ``notes``.
- ``rank.py``     — ``search``, ``click``, ``pass``, ``items import``.
- ``train.py``    — ``train start|status|stop|verify|export``.
- ``encoder.py``  — ``train export-encoder``: the ONNX encoder a device without torch trains with.
- ``adapt.py``    — ``adapt status|start|stop``.
- ``tui.py``      — ``byteswarm tui``: loads the operator app (package ``tui``) when it runs.
- ``demo/``       — ``byteswarm demo``: every service end to end on a local swarm, a report.
- ``swarm.py``    — a local swarm of real ``byteswarm run`` processes (demo, tests, bench).
"""
