"""``byteswarm search``, ``click``, ``pass`` and ``items import``: the rank service's commands.

Each works with the daemon down: search builds the index from the local store, click and
pass sign and commit the row themselves (peers pull it later), import writes the catalogue
directly. With the daemon up, search, click and pass go through it (warm index, pull after
each query).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from node.cli.common import (
    UserError,
    cli_config,
    command_option,
    config_option,
    data_dir_option,
    emit,
    json_option,
    node_running,
    open_store,
)
from node.cli.control import send_command
from node.config.settings import STORE_FILE
from node.wire.control import Click, Search


@click.command()
@data_dir_option
@config_option
@json_option
@click.argument("query")
@command_option(
    Search,
    "k",
    "-k",
    "k",
    type=click.IntRange(1, 1000),
    help="How many results.",
)
@click.option(
    "--explore/--no-explore",
    default=False,
    show_default=True,
    help="Show the page a user would see, so G-Rank learns about items it does not rank "
    "high yet: with byteswarm_v5 (the default), v6 and v4 results sorted by one draw from "
    "each one's posterior; with v2 and v3 two results swapped with lower ones; with byteswarm "
    "one swap half the time. Results not at their served place are marked *. Apps call this "
    "for every page they show.",
)
@command_option(
    Search,
    "explain",
    "--explain",
    is_flag=True,
    help="Show where each score came from: this node's clicks, peers' clicks weighted by "
    "similarity, the metadata (BM25) match, the place exploration moved it from; and the "
    "peers this node trusts most (--json: each result's 'score').",
)
def search(
    data_dir: Path | None,
    config_path: Path | None,
    as_json: bool,
    query: str,
    k: int,
    explore: bool,
    explain: bool,
) -> None:
    """Rank the local catalogue for QUERY with G-Rank (works with no network).

    When no item matches QUERY it says so and lists popular items under their own label,
    never as results (--json then prints an empty list: it lists matches only). With no
    daemon running it ranks with the [rank] preset of --config (give it the file the
    daemon runs with); with one running, the daemon ranks with its own.
    """
    from models.rank.config import PRESETS
    from node.rank.index import open_tail
    from node.rank.records import RankError, check_query
    from node.wire import peer_id_str

    try:
        check_query(query)
    except RankError as exc:
        raise UserError(str(exc)) from exc
    config = cli_config(data_dir, config_path)  # its data_dir: --data-dir, else the file's
    if node_running(config.data_dir):
        command = Search(query=query, k=k, explore=explore, explain=explain)
        answer = send_command(config.data_dir, command)
    else:
        from node.net.identity import load_or_create_identity

        identity = load_or_create_identity(config.data_dir)
        with open_store(config.data_dir, writable=True) as store:
            preset = PRESETS[config.rank.preset]
            tail = open_tail(store, peer_id_str(identity.public_key), preset)
            answer = tail.answer(query, k, explore, explain)
    results, popular = answer["results"], answer.get("popular", [])
    text = _search_text(query, results, popular)
    if explain:
        from node.rank.explain import explained_text

        text += "\n" + explained_text(answer)
    emit(results, as_json, text)


def _search_text(query: str, results: list[dict[str, Any]], popular: list[dict[str, Any]]) -> str:
    """The ranking, or, when nothing matches, that plainly, then popular items labelled as
    such (the ranker's fallback is never shown as results; ``--json`` gives the matches)."""
    lines = [
        f"{r['rank']:3}.{'*' if r.get('explored') else ' '}{r['id']}  {r['title']} — {r['artist']}"
        for r in results
    ]
    if any(r.get("explored") for r in results):
        lines.append("  * moved to explore: not where the ranking puts it")
    if results:
        return "\n".join(lines)
    text = f"no items match {' '.join(query.split())!r}"
    if popular:
        text += "\npopular items (not matches):\n" + "\n".join(
            f"   - {r['id']}  {r['title']} — {r['artist']}" for r in popular
        )
    return text


@click.command(name="click")
@data_dir_option
@json_option
@click.argument("query")
@click.argument("item")
@click.option(
    "--shown",
    multiple=True,
    metavar="ITEM",
    help="An item that was shown with the click (repeatable, in rank order).",
)
def click_(
    data_dir: Path | None, as_json: bool, query: str, item: str, shown: tuple[str, ...]
) -> None:
    """Record that ITEM was clicked for QUERY (a signed click row)."""
    result = _record(data_dir, query, item, shown)
    emit(result, as_json, f"click #{result['seq']}: {result['query']!r} -> {result['item']}")


@click.command(name="pass")
@data_dir_option
@json_option
@click.argument("query")
@click.option(
    "--shown",
    multiple=True,
    required=True,
    metavar="ITEM",
    help="An item the page showed (repeat for each, in rank order).",
)
def pass_(data_dir: Path | None, as_json: bool, query: str, shown: tuple[str, ...]) -> None:
    """Record that QUERY's page was passed over: it showed the --shown items and none was
    clicked (a signed row; rankers that read skips count one on each, rank r weighing 1/r)."""
    result = _record(data_dir, query, "", shown)
    emit(result, as_json, f"passed #{result['seq']}: {result['query']!r} ({len(shown)} shown)")


def _record(data_dir: Path | None, query: str, item: str, shown: tuple[str, ...]) -> dict[str, Any]:
    """A click on ``item``, or with no item the page ``shown`` passed over: through the
    daemon when it runs, else signed and committed here."""
    from node.rank.records import RankError, check_query, make_click, record_click_offline

    try:  # bad input creates nothing: no identity, no store
        check_query(query)
    except RankError as exc:
        raise UserError(str(exc)) from exc
    _check_shown(data_dir, item, shown)
    if not (cli_config(data_dir).data_dir / STORE_FILE).exists():
        missing = item or shown[0]
        hint = "import a catalogue with: byteswarm items import"
        raise UserError(f"unknown item {missing!r} ({hint})")
    if node_running(data_dir):
        return send_command(data_dir, Click(query=query, item=item, shown=list(shown)))
    from node.net.identity import load_or_create_identity

    identity = load_or_create_identity(cli_config(data_dir).data_dir)
    with open_store(data_dir, writable=True) as store:
        try:
            row = make_click(store, query, item, list(shown))
        except RankError as exc:
            raise UserError(str(exc)) from exc
        seq = record_click_offline(store, identity.seed, identity.public_key, row)
    return {"seq": seq, "query": row.query, "item": item, "passed": not item}


def _check_shown(data_dir: Path | None, item: str, shown: tuple[str, ...]) -> None:
    """--shown is the page the click was on, in rank order: catalogue items, each once,
    the clicked one among them."""
    from node.wire.bodies import MAX_SHOWN

    if not shown:
        return
    if len(shown) > MAX_SHOWN:
        raise UserError(f"--shown: at most {MAX_SHOWN} items")
    twice = sorted({i for i in shown if shown.count(i) > 1})
    if twice:
        raise UserError(f"--shown lists {twice[0]!r} more than once")
    if item and item not in shown:
        raise UserError(f"--shown must include the clicked item {item!r} (the page it was on)")
    config = cli_config(data_dir)
    known: set[str] = set()
    if (config.data_dir / STORE_FILE).exists():
        with open_store(data_dir) as store:
            marks = ",".join("?" * len(shown))
            sql = f"SELECT id FROM items WHERE id IN ({marks})"
            known = {row[0] for row in store.db.execute(sql, shown)}
    unknown = [i for i in shown if i not in known]
    if unknown:
        hint = "import a catalogue with: byteswarm items import"
        raise UserError(f"--shown: unknown item {unknown[0]!r} ({hint})")


@click.group()
def items() -> None:
    """Manage the local catalogue that rank searches."""


@items.command(name="import")
@data_dir_option
@json_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_(data_dir: Path | None, as_json: bool, file: Path) -> None:
    """Load a JSONL catalogue ({"id", "title", "artist", "tags"} per line), all or nothing."""
    from node.rank.records import RankError, catalogue_from_file, import_items

    try:
        catalogue = catalogue_from_file(file)
    except RankError as exc:
        raise UserError(str(exc)) from exc
    with open_store(data_dir, writable=True) as store:
        count = import_items(store, catalogue)
    emit({"imported": count}, as_json, f"imported {count} items")
