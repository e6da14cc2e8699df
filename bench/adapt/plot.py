"""PNG for the adapt bench: accuracy per method on each split (mean ± std over seeds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHOWN = (
    "source",
    "bn_stats (updatable device)",
    "tent (updatable device)",
    "improved_entropy",
    "warp_entropy",
    "domains_no_warm_start",
    "domains_no_warp",
    "domains_warp",
    "teacher_bn_buffer_every_sample",
)
COLOURS = {"source": "tab:gray", "bn_stats (updatable device)": "tab:orange",
           "tent (updatable device)": "tab:orange", "teacher_bn_buffer_every_sample": "tab:green",
           "domains_warp": "tab:red"}  # fmt: skip


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = list(report["splits"])
    cols = 2 if len(splits) > 1 else 1
    rows = (len(splits) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 4.2 * rows), squeeze=False)
    for ax, split in zip(axes.ravel(), splits, strict=False):
        methods = report["splits"][split]["methods"]
        names = [n for n in SHOWN if n in methods]
        means = [methods[n]["overall_pct"]["mean"] for n in names]
        stds = [methods[n]["overall_pct"]["std"] for n in names]
        colours = [COLOURS.get(n, "tab:blue") for n in names]
        ax.barh(names, means, xerr=stds, color=colours, alpha=0.85)
        for i, m in enumerate(means):
            ax.annotate(f"{m:.1f}", (m + 1, i), va="center", fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_title(f"{split} (seeds {report['seeds']})")
        ax.set_xlabel("accuracy over the stream (%)")
    for ax in axes.ravel()[len(splits) :]:
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
