"""PNG for the adapt bench: overall accuracy per method, accuracy vs upload budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = {k: v for k, v in report["methods"].items() if "@" not in k}
    fig, (ax_bar, ax_budget) = plt.subplots(1, 2, figsize=(14, 7.5))
    names = list(methods)
    means = [methods[n]["overall_pct"]["mean"] for n in names]
    stds = [methods[n]["overall_pct"]["std"] for n in names]
    ax_bar.barh(names, means, xerr=stds, color="tab:blue", alpha=0.8)
    ax_bar.invert_yaxis()
    ax_bar.set_xlabel("accuracy over the stream (%)")
    ax_bar.set_title(f"digits 16×16, {len(report['stream']['domains'])} domains, "
                     f"seeds {report['seeds']}")  # fmt: skip
    ax_bar.set_xlim(0, 100)

    for family, base in (("filter + feature", "improved_entropy"),):
        xs, ys, es = [], [], []
        for fraction in report["budgets"]:
            key = base if fraction == 0.25 else f"{base}@{fraction:.2f}"
            xs.append(100 * fraction)
            ys.append(report["methods"][key]["overall_pct"]["mean"])
            es.append(report["methods"][key]["overall_pct"]["std"])
        ax_budget.errorbar(xs, ys, yerr=es, marker="o", capsize=3, label=f"{family}, entropy")
    for ref, style in (("source", ":"), ("tent (updatable device)", "--"),
                       ("teacher_bn_buffer_every_sample", "-.")):  # fmt: skip
        ax_budget.axhline(report["methods"][ref]["overall_pct"]["mean"], ls=style, c="gray")
        left = 100 * min(report["budgets"])
        ax_budget.annotate(ref, (left, report["methods"][ref]["overall_pct"]["mean"] + 0.5),
                           fontsize=8, color="gray")  # fmt: skip
    ax_budget.set_xscale("log")
    ax_budget.minorticks_off()
    ax_budget.set_xticks([100 * b for b in report["budgets"]])
    ax_budget.set_xticklabels([f"{100 * b:.0f}" for b in report["budgets"]])
    ax_budget.set_xlabel("upload budget (% of samples)")
    ax_budget.set_ylabel("accuracy (%)")
    ax_budget.legend(loc="lower right")
    ax_budget.set_title("accuracy vs upload budget")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
