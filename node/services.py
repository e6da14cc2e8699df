"""Which services a node runs: the slots that the rank, finetune and adapt issues fill."""

from __future__ import annotations

from node.config import NodeConfig
from node.daemon import Service


def default_services(config: NodeConfig) -> list[Service]:
    """The services a ``byteswarm run`` node starts for ``config``.

    None of the three learning services has landed in the daemon yet; the runtime's own
    signed-notes topic is always on.
    """
    del config
    return []
