"""bench.rank.wire: a simulated pull costs what the daemon's own messages cost."""

from __future__ import annotations

from bench.rank.wire import DAEMON_PAGE_ROWS, ENCODINGS, WireAccount, old_click_body, sim_author_key
from models.rank.rows import ClickRow
from node import wire
from node.rank.records import click_row

PAGE = ("i1", "i2", "i3", "i4")


def _rows(n: int, authors: int = 3) -> list[ClickRow]:
    return [
        ClickRow(f"peer{k % authors}", k // authors, "tag01", PAGE, PAGE[k % 4], float(k))
        for k in range(n)
    ]


def test_sim_keys_are_deterministic_ed25519_keys() -> None:
    key = sim_author_key("peer0")
    assert key == sim_author_key("peer0") != sim_author_key("peer1")
    assert len(wire.peer_id_from_author(key)) == 38


def test_old_click_body_is_what_the_four_field_click_encoded() -> None:
    row = _rows(1)[0]
    click = wire.decode_click(old_click_body(row))
    assert (click.shown, click.clicked, click.position) == (list(PAGE), "i1", 0)


def test_a_pull_with_nothing_held_is_one_response_of_every_row() -> None:
    account = WireAccount()
    rows = _rows(30)
    for row in rows:
        account.add(row)
    pull = account.pull(rows, 0, {})
    assert pull["pages"] == 1
    assert {name: pull[name] for name in ENCODINGS} == account.response_bytes(rows, 30, False)
    assert pull["packed_compact"] < pull["v1_compact"] < pull["v1_full"]
    assert pull["packed_compact"] < pull["packed_full"] < pull["v1_full"]
    # the measured records are the service's: they decode to the same rows (but the author)
    record = account.record(rows[5])
    back = click_row(record)
    assert (back.query, back.clicked, back.page_position()) == (
        rows[5].query,
        rows[5].clicked,
        rows[5].page_position(),
    )
    assert back.ts == rows[5].ts + 1_764_000_000.0


def test_held_rows_are_skipped_but_scanned_in_pages() -> None:
    account = WireAccount(scan=DAEMON_PAGE_ROWS)  # the daemon's paging before SYNC_SCAN_ROWS
    rows = _rows(DAEMON_PAGE_ROWS * 2 + 1)
    for row in rows:
        account.add(row)
    everything = {f"peer{k}": DAEMON_PAGE_ROWS for k in range(3)}
    pull = account.pull(rows, 0, everything)
    assert pull["pages"] == 3
    empty = account.response_bytes([], 0, False)
    for name in ENCODINGS:  # three empty responses (cursors differ by a few bytes at most)
        assert 3 * empty[name] <= pull[name] <= 3 * empty[name] + 3 * 4
    assert pull["request"] == 3 * account.request_bytes(everything, 0)
    lacking = account.pull(rows, 0, {"peer0": 10, "peer1": 10, "peer2": 10})
    assert lacking["packed_compact"] > pull["packed_compact"]


def test_a_wide_scan_passes_over_held_rows_in_one_page() -> None:
    account = WireAccount()
    rows = _rows(DAEMON_PAGE_ROWS * 2 + 1)
    for row in rows:
        account.add(row)
    everything = {f"peer{k}": DAEMON_PAGE_ROWS for k in range(3)}
    assert account.pull(rows, 0, everything)["pages"] == 1
    nothing: dict[str, int] = {}  # every row lacking: pages of DAEMON_PAGE_ROWS rows each
    assert account.pull(rows, 0, nothing)["pages"] == 3


def test_the_ids_above_the_click_are_what_today_adds_to_the_position_body() -> None:
    account = WireAccount()
    rows = _rows(8)  # clicks at positions 1, 2, 3, 4, 1, 2, 3, 4
    for row in rows:
        account.add(row)
    sizes = account.response_bytes(rows, 8, False)
    # 0 + 1 + 2 + 3 ids above, twice: 12 two-character ids, 3 bytes each in msgpack
    assert sizes["packed_compact"] - sizes["packed_position"] == 12 * 3
    assert wire.decode_click(account.record(rows[3]).body).shown == ["i1", "i2", "i3"]
    first = [ClickRow("peer0", k, "tag01", PAGE, "i1", float(k)) for k in range(4)]
    for row in first:
        account.add(row)
    at_one = account.response_bytes(first, 4, False)
    assert at_one["packed_compact"] == at_one["packed_position"]  # nothing above position 1
