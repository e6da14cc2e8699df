"""Which services a node runs: the slots that the rank, finetune and adapt issues fill."""

from __future__ import annotations

from node.config import NodeConfig
from node.daemon import Service
from node.rank_service import RankService


def default_services(config: NodeConfig) -> list[Service]:
    """The services a ``byteswarm run`` node starts for ``config``.

    rank (G-Rank) runs on every node. finetune and adapt have not landed in the daemon yet.
    """
    del config
    return [RankService()]
