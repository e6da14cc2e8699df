"""A search answer with where each score came from: the ranker's explanation
(``models.rank.explain``) as the typed ``SearchAnswer`` the control table carries.

The daemon (and the CLI's offline ``byteswarm search --explain``) builds the answer here and
decodes it with the reader's own struct before handing it out, so NaN, an oversize list or
a field the reader does not know never leaves the node.
"""

from __future__ import annotations

from typing import Any

import msgspec

from models.rank.explain import ScoreParts, TrustedAuthor
from node.wire.control import (
    MAX_TOP_PEERS,
    MAX_TRUSTED,
    PeerShare,
    ScoreBreakdown,
    TrustedPeer,
    decode_search_answer,
)

TRUSTED_SHOWN = 5
"""Trusted peers an explained answer names."""


def breakdown(parts: ScoreParts, served_rank: int) -> dict[str, Any]:
    """A result's ``score`` (a ``ScoreBreakdown`` as plain data)."""
    shares = [PeerShare(peer=p.author, weight=p.weight, share=p.share) for p in parts.top_peers]
    score = ScoreBreakdown(
        clicks=parts.clicks,
        own=parts.own,
        peers=parts.peers,
        bm25=parts.bm25,
        matched=parts.matched,
        served_rank=served_rank,
        top_peers=shares[:MAX_TOP_PEERS],
        attractiveness=parts.attractiveness,
        skips=parts.skips,
    )
    built: dict[str, Any] = msgspec.to_builtins(score)
    return built


def trusted(authors: list[TrustedAuthor]) -> list[dict[str, Any]]:
    """The ``trusted`` list of an answer."""
    peers = [
        TrustedPeer(
            peer=a.author,
            weight=a.weight,
            similarity=a.similarity,
            shared_terms=a.shared_terms,
            shared_items=a.shared_items,
            union_items=a.union_items,
        )
        for a in authors[:MAX_TRUSTED]
    ]
    built: list[dict[str, Any]] = msgspec.to_builtins(peers)
    return built


def checked(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer``, once its reader's struct (``SearchAnswer``) decodes it: raises
    ValueError instead of handing out NaN, an oversize list or an unknown field."""
    decode_search_answer(answer)
    return answer


def explained_text(answer: dict[str, Any]) -> str:
    """``byteswarm search --explain``'s lines under the ranking: one per result, then the
    trusted peers."""
    typed = decode_search_answer(answer)
    lines = ["where the scores come from (clicks = own + peers; text matches first):"]
    for r in typed.results:
        if r.score is not None:
            explored = f" · explored: served at #{r.score.served_rank}" if r.explored else ""
            lines.append(f"{r.rank:3}. {r.id}  {score_line(r.score)}{explored}")
    lines.append("trusted peers (weight; similarity from shared items and query terms):")
    lines.extend(f"   - {trusted_line(t)}" for t in typed.trusted)
    if not typed.trusted:
        lines.append("   none yet: no peer clicked what this node clicked")
    return "\n".join(lines)


def score_line(score: ScoreBreakdown) -> str:
    """One result's breakdown in a line: ``clicks 1.52 = own 1.00 + peers 0.52 · bm25 2.10``,
    then, with a click-or-skip preset (``byteswarm_v3`` on), the attractiveness the text
    matches are sorted by and the skip votes in it."""
    text = f"clicks {score.clicks:.2f} = own {score.own:.2f} + peers {score.peers:.2f}"
    text += f" · bm25 {score.bm25:.2f}" if score.matched else " · no text match"
    if score.attractiveness is not None:
        text += f" · attractiveness {score.attractiveness:.2f} (skips {score.skips or 0.0:.2f})"
    if score.top_peers:
        text += " · " + ", ".join(
            f"{short(p.peer)} {p.share:.2f} (w {p.weight:.2f})" for p in score.top_peers
        )
    return text


def trusted_line(peer: TrustedPeer) -> str:
    return (
        f"{short(peer.peer)} w {peer.weight:.2f} sim {peer.similarity:.2f}: "
        f"{peer.shared_items} shared items, {peer.shared_terms} terms of "
        f"{peer.union_items} items"
    )


def short(peer: str) -> str:
    """A peer id cut to its tail (``…Ab12cd``)."""
    return peer if len(peer) <= 10 else "…" + peer[-6:]
