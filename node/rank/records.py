"""The rank service's data: catalogue items, click records, and the checks on both.

Items live in the store's ``items`` table (imported in one transaction); clicks are
SignedRecords on ``rank/clicks`` whose bodies are compact ``Click``es. Everything here is a
plain store call, shared by the daemon (``service.py``) and the CLI (``node/cli/rank.py``),
which records and searches offline.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from models.rank.rows import ClickRow, Item
from node import wire
from node.store.database import Store
from node.store.own import commit_own

MAX_QUERY_CHARS = wire.MAX_QUERY_CHARS


class RankError(ValueError):
    """Bad rank input: an empty or over-long query, an unknown item, a bad catalogue line."""


def check_query(query: str) -> str:
    text = " ".join(query.split())
    if not text:
        raise RankError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise RankError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    return text


def parse_catalogue(lines: Iterable[str], source: str) -> list[Item]:
    """JSONL lines ``{"id", "title", "artist", "tags"}`` -> items; RankError names the line."""
    items: list[Item] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RankError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise RankError(f"{where}: expected a JSON object")
        unknown = set(raw) - {"id", "title", "artist", "tags"}
        if unknown:
            raise RankError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        item_id, title = raw.get("id"), raw.get("title", "")
        artist, tags = raw.get("artist", ""), raw.get("tags", [])
        if not isinstance(item_id, str) or not 1 <= len(item_id) <= wire.MAX_ITEM_ID_CHARS:
            raise RankError(f"{where}: 'id' must be a string of 1-{wire.MAX_ITEM_ID_CHARS} chars")
        if not isinstance(title, str) or not isinstance(artist, str):
            raise RankError(f"{where}: 'title' and 'artist' must be strings")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise RankError(f"{where}: 'tags' must be a list of strings")
        if item_id in seen:
            raise RankError(f"{where}: duplicate id {item_id!r}")
        seen.add(item_id)
        items.append(Item(item_id, title, artist, tuple(tags)))
    return items


def import_items(store: Store, items: list[Item]) -> int:
    """Insert or replace ``items`` in one transaction (all or nothing); returns how many.

    A new or changed item gets a rowid above every rowid in the table, the catalogue's
    version: ``IndexTail`` (a running daemon's index too) reads items past the last rowid it
    saw, so it takes the new title on its next refresh. Unchanged items keep their row.
    """
    now = int(time.time() * 1000)
    with store.transaction():
        (top,) = store.db.execute("SELECT coalesce(max(rowid), 0) FROM items").fetchone()
        next_rowid = int(top) + 1
        for item in items:
            tags = json.dumps(item.tags)
            held = store.db.execute(
                "SELECT title, artist, tags FROM items WHERE id = ?", (item.id,)
            ).fetchone()
            if held is not None and tuple(held) == (item.title, item.artist, tags):
                continue
            store.db.execute("DELETE FROM items WHERE id = ?", (item.id,))
            store.db.execute(
                "INSERT INTO items (rowid, id, title, artist, tags, added_ms)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (next_rowid, item.id, item.title, item.artist, tags, now),
            )
            next_rowid += 1
    return len(items)


MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
"""How far ahead of our clock a click's time may be; later times count as now + this."""


def latest_click_ms(now_ms: int | None = None) -> int:
    """The latest click time a node counts: now + ``MAX_CLOCK_SKEW_MS``."""
    return int(time.time() * 1000 if now_ms is None else now_ms) + MAX_CLOCK_SKEW_MS


def click_row(record: wire.SignedRecord, now_ms: int | None = None) -> ClickRow:
    """The model's row of a click record, old (page in ``shown``) or compact (``position``).

    The author chooses ``ts_ms``: a row dated in the future would move the index's clock
    forward and decay every other author's votes while its own stay fresh, so times beyond
    ``now_ms + MAX_CLOCK_SKEW_MS`` are capped there (the signed record is kept as it is).
    """
    click = wire.decode_click(record.body)
    latest = latest_click_ms(now_ms)
    return ClickRow(
        wire.peer_id_str(record.author),
        record.seq,
        click.query,
        tuple(click.shown),
        click.clicked,
        min(record.ts_ms, latest) / 1000.0,
        click.position,
    )


def compact_click(query: str, shown: Sequence[str], item: str) -> wire.Click:
    """The click body the service writes: the clicked item's rank on the page and the
    results above it (the ones the user passed over: ``models.rank.attractiveness`` counts
    them as skips), not the rest of the page; ``position`` 0 and no page when ``item`` was
    not on it."""
    position = shown.index(item) + 1 if item in shown else 0
    above = list(shown[: position - 1]) if position > 1 else []
    return wire.Click(wire.WIRE_VERSION, query, above, item, position)


def make_click(store: Store, query: str, item: str, shown: list[str]) -> wire.Click:
    """Validate a click against the catalogue; RankError says what is wrong. No ``item``: the
    page ``shown`` was passed over (``make_passed``)."""
    if not item:
        return make_passed(store, query, shown)
    query = check_query(query)
    _check_known(store, [item])
    shown = shown or [item]
    if len(shown) > wire.MAX_SHOWN:
        raise RankError(f"at most {wire.MAX_SHOWN} shown items")
    return compact_click(query, shown, item)


def make_passed(store: Store, query: str, shown: list[str]) -> wire.Click:
    """A page passed over: the user saw ``shown`` (rank order) for ``query`` and clicked
    nothing. RankError says what is wrong."""
    query = check_query(query)
    if not shown:
        raise RankError("a page passed over needs the items it showed")
    if len(shown) > wire.MAX_SHOWN:
        raise RankError(f"at most {wire.MAX_SHOWN} shown items")
    twice = sorted({i for i in shown if shown.count(i) > 1})
    if twice:
        raise RankError(f"the page shows {twice[0]!r} more than once")
    _check_known(store, shown)
    return wire.Click(wire.WIRE_VERSION, query, list(shown), "", 0)


def _check_known(store: Store, items: Sequence[str]) -> None:
    for item in items:
        known = store.db.execute("SELECT 1 FROM items WHERE id = ?", (item,)).fetchone()
        if known is None:
            raise RankError(
                f"unknown item {item!r} (import a catalogue with: byteswarm items import)"
            )


def holds_others_clicks(store: Store, author: bytes) -> bool:
    """Whether the store holds a click row by anyone but ``author``."""
    sql = "SELECT 1 FROM records WHERE topic = ? AND author != ? LIMIT 1"
    return store.db.execute(sql, (wire.CLICKS_TOPIC, author)).fetchone() is not None


def record_click_offline(store: Store, seed: bytes, author: bytes, click: wire.Click) -> int:
    """Sign and commit a click without a running daemon; it spreads when peers pull."""
    return commit_own(store, seed, author, wire.CLICKS_TOPIC, wire.encode(click)).seq


def catalogue_from_file(path: Path) -> list[Item]:
    try:
        with path.open(encoding="utf-8") as handle:
            return parse_catalogue(handle, str(path))
    except OSError as exc:
        raise RankError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise RankError(f"{path}: not UTF-8 text") from exc
