"""What every stage of the demo gets: the swarm, the sizes, the seed, where to write."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from node.cli.demo.progress import DemoError, Progress
from node.cli.demo.watch import TuiWindow
from node.cli.swarm import Swarm


@dataclass(frozen=True)
class Sizes:
    """How much each stage does; ``--quick`` picks the small ones."""

    rank_rounds: int
    """Rounds of simulated users; nDCG is measured on every device after each."""
    rank_users: int
    """Users (one search, its clicks) per device per round."""
    finetune_rounds: int
    """SPSA rounds of the shared run (one second each); a multiple of 5, the checkpoint
    period, so that the last round has a checkpoint to agree on."""
    adapt_batches: int
    """Camera batches each device runs through adaptation."""
    teacher_epochs: int
    """The cloud teacher's training budget (trained once, then cached)."""


DEFAULT = Sizes(
    rank_rounds=8, rank_users=8, finetune_rounds=25, adapt_batches=24, teacher_epochs=10
)
QUICK = Sizes(rank_rounds=3, rank_users=6, finetune_rounds=10, adapt_batches=6, teacher_epochs=3)


@dataclass
class Demo:
    swarm: Swarm
    progress: Progress
    out: Path
    seed: int
    sizes: Sizes
    boot: str = ""
    devices: list[Path] = field(default_factory=list)
    cloud: Path | None = None
    cloud_ready: Future[None] | None = None
    """Done once the cloud daemon is up and adapting (``adapt_stage.prepare``)."""
    quick: bool = False
    window: TuiWindow | None = None
    """The ``--tui`` app, once it is open: stages tell it where they are with notes."""
    stopped: set[Path] = field(default_factory=set)
    """Daemons stopped on purpose (the finetune restart): not a failure while stopped."""

    def check(self) -> None:
        """DemoError naming the log of any daemon that exited on its own."""
        for proc, d in zip(self.swarm.procs, self.swarm.dirs, strict=True):
            if d not in self.stopped and proc.poll() is not None:
                raise DemoError(
                    f"{d.name} exited with code {proc.returncode}; its log: {d / 'daemon.log'}"
                )

    def node_config(self, d_index: int) -> str:
        """Top-level keys and tables for a device daemon's config.toml."""
        return (
            "[adapt]\nbatch_interval = 0.5\n"
            f"stream_seed = {self.seed * 100 + d_index}\n"
            f"first_domain = {d_index}\n"
            f"teacher_epochs = {self.sizes.teacher_epochs}\n"
        )
