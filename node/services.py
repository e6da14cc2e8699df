"""Which services a node runs: the slots that the rank, finetune and adapt issues fill."""

from __future__ import annotations

from node.config import NodeConfig
from node.daemon import Service
from node.finetune_service import FinetuneService
from node.rank_service import RankService


def default_services(config: NodeConfig) -> list[Service]:
    """The services a ``byteswarm run`` node starts for ``config``.

    rank (G-Rank) and finetune (one-byte SPSA) run on every node; a node that cannot load a
    run's model (no torch on a device) logs why and keeps following nothing of that run.
    adapt has not landed in the daemon yet.
    """
    del config
    return [RankService(), FinetuneService()]
