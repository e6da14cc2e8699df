"""``published.json``: the highest seq this identity has published per topic, kept next to
its key so that a lost or emptied store cannot make the node publish those seqs again.

A record's (author, topic, seq) must stay unique across the network (docs/architecture.md §8). The
store alone cannot promise that: a 0-byte or replaced ``node.db`` next to a used identity
would start every topic at seq 0 again. The mark is written (atomically, fsynced) the first
time the node publishes on a topic, then lazily (``SAVE_INTERVAL``) and at shutdown, so it
may lag the store by the last few seconds of publishes but never runs ahead of it. At start
a topic whose own head in the store is below its mark is a *store loss*.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from node.store.database import Store, StoreError

MARK_FILE = "published.json"
SAVE_INTERVAL = 10.0
"""Seconds between two lazy saves of a mark that moved."""


class PublishMark:
    """Topic -> the highest seq published under ``author`` (as far as the file knows)."""

    def __init__(self, path: Path, author: bytes, heads: dict[str, int]) -> None:
        self.path = path
        self.author = bytes(author)
        self.heads = dict(heads)
        self._saved = dict(heads)

    @classmethod
    def load(cls, data_dir: Path, author: bytes) -> PublishMark:
        """Read the mark (empty when absent or written for another key)."""
        path = data_dir / MARK_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("author") != author.hex():
                return cls(path, author, {})
            heads = {str(t): int(s) for t, s in raw["heads"].items()}
        except FileNotFoundError:
            return cls(path, author, {})
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(
                f"publish mark {path} is unreadable ({exc}); if node.db is intact, delete"
                " the mark and restart"
            ) from exc
        return cls(path, author, heads)

    @property
    def dirty(self) -> bool:
        return self.heads != self._saved

    def floor(self, topic: str) -> int:
        """The lowest seq a new record of ``topic`` may carry."""
        return self.heads.get(topic, -1) + 1

    def note(self, topic: str, seq: int) -> bool:
        """Remember a published seq; True when the topic is new to the file (save now)."""
        if seq > self.heads.get(topic, -1):
            self.heads[topic] = seq
        return topic not in self._saved

    def seed(self, store: Store, topics: list[str]) -> None:
        """Raise the mark to what the store holds of our own (a node from before the mark)."""
        for topic in topics:
            head = store.next_seq(topic, self.author) - 1
            if head >= 0:
                self.note(topic, head)

    def lost(self, store: Store) -> dict[str, int]:
        """Topics whose marked head the store no longer holds: topic -> marked head."""
        return {t: h for t, h in self.heads.items() if store.next_seq(t, self.author) <= h}

    def save(self) -> None:
        """Write the file atomically (tmp, fsync, rename, fsync the directory)."""
        heads = dict(self.heads)
        data = json.dumps({"author": self.author.hex(), "heads": heads}, sort_keys=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._saved = heads
