"""The SQLite store: the node's single source of truth and the bus between processes.

One writer (the daemon's store thread), ``BEGIN IMMEDIATE`` transactions, WAL; readers
(CLI, TUI) open the file read-only. ``Store`` is one class made of the query mixins below.

- ``database.py``     — ``Store``: opening, transactions, the record log, cursors, status.
- ``connect.py``      — opening the SQLite file with the right pragmas; one-line errors.
- ``rows.py``         — the row dataclasses the store hands out and takes in; its errors.
- ``own.py``          — our own records: signed and committed in one transaction.
- ``migrations.py``   — ordered schema migrations (``PRAGMA user_version``).
- ``sync.py``         — the reads sync serves: pages after a cursor, newest, heads, held ranges.
- ``operator.py``     — operator tables: peers, the event log, control rows, status documents.
- ``limits.py``       — the queries behind the bounds: per-author counts, expired rows, bytes.
- ``quota.py``        — per-author quotas and per-topic retention (the policy).
- ``history.py``      — the ``history`` table: a row a second, written in batches, read
  downsampled in SQL (the TUI's sparklines and replay).
- ``health.py``       — whether the store can take writes: full disk, ceiling, reserve file.
- ``evidence.py``     — equivocation: a second, different record under one (topic, author, seq).
- ``publish_mark.py`` — ``published.json``: our highest published seq per topic, beside the key.
"""
