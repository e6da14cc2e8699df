"""Which services a node runs: the slots that the rank, finetune and adapt issues fill."""

from __future__ import annotations

from models.rank.config import PRESETS
from node.cli.ml_logs import quiet_ml_logs
from node.config.settings import NodeConfig
from node.finetune.service import FinetuneService
from node.finetune.task import Backend
from node.rank.service import RankService
from node.runtime.context import Service


def default_services(config: NodeConfig) -> list[Service]:
    """The services a ``byteswarm run`` node starts for ``config``.

    rank (G-Rank) and finetune (one-byte SPSA) run on every node; finetune's forward passes
    run on onnxruntime on a device and on torch on a cloud unless ``[finetune] backend`` says
    otherwise; a node that cannot load a run's model logs why and does not join that run.
    adapt runs its device side (onnxruntime only) or, with ``--role cloud``, its cloud side (torch).
    """
    finetune = config.finetune
    backend: Backend = "torch" if config.role == "cloud" else "onnxruntime"
    if finetune.backend != "auto":
        backend = finetune.backend
    if config.role == "cloud" or backend == "torch":
        quiet_ml_logs()  # before torch loads: its exporter's INFO lines are noise here
    services: list[Service] = [
        RankService(PRESETS[config.rank.preset]),
        FinetuneService(finetune.auto_join, backend, finetune.encoder_dir),
    ]
    if config.adapt.enabled:
        if config.role == "cloud":
            from node.adapt.cloud import CloudAdapt

            services.append(CloudAdapt(config.adapt))
        else:
            from node.adapt.device import DeviceAdapt

            services.append(DeviceAdapt(config.adapt))
    return services
