"""Which services a node runs: the slots that the rank, finetune and adapt issues fill."""

from __future__ import annotations

from node.config import NodeConfig
from node.daemon import Service
from node.finetune_service import FinetuneService
from node.rank_service import RankService


def default_services(config: NodeConfig) -> list[Service]:
    """The services a ``byteswarm run`` node starts for ``config``.

    rank (G-Rank) and finetune (one-byte SPSA) run on every node; a node that cannot load a
    run's model (no torch on a device) logs why and does not join that run. adapt runs its
    device side (onnxruntime only) or, with ``--role cloud``, its cloud side (torch).
    """
    services: list[Service] = [RankService(), FinetuneService()]
    if config.adapt.enabled:
        if config.role == "cloud":
            from node.adapt_cloud import CloudAdapt

            services.append(CloudAdapt(config.adapt))
        else:
            from node.adapt_device import DeviceAdapt

            services.append(DeviceAdapt(config.adapt))
    return services
