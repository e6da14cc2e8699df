"""The demo's report: ``report.json`` with every number, ``report.md`` with a summary
table and PNG plots (matplotlib, when installed: the ``bench`` extra)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def summary_rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(stage, status, headline) per stage, for the terminal and report.md."""
    rows = []
    for name in ("mesh", "rank", "finetune", "adapt", "export"):
        stage = report["stages"].get(name)
        if stage is None:
            continue
        status = stage.get("status", "?")
        if status != "ok":
            rows.append((name, status, stage.get("reason", "")))
            continue
        rows.append((name, status, _headline(name, stage)))
    return rows


def _headline(name: str, s: dict[str, Any]) -> str:
    if name == "mesh":
        return (
            f"{s['daemons']} daemons meshed in {s['seconds']} s; "
            f"{s['notes']} notes everywhere in {s['gossip_s']} s"
        )
    if name == "rank":
        return (
            f"nDCG@10 {s['ndcg_start']:.3f} -> {s['ndcg_end']:.3f} after {s['searches']} "
            f"searches, {s['clicks']} clicks"
        )
    if name == "finetune":
        ok = sum(v["ok"] for v in s["verify"].values())
        return (
            f"{s['rounds']} rounds, {s['bytes_per_gradient']} B/gradient, same θ everywhere: "
            f"{s['same_theta_everywhere']}, verify {ok}/{len(s['verify'])} "
            f"({s['restarted']} restarted, {s['late_joiner']} late)"
        )
    if name == "adapt":
        parts = [
            f"{d} {100 * (r['source'] or 0):.0f}->{100 * (r['adapted'] or 0):.0f} %"
            for d, r in s["domains"].items()
        ]
        return f"accuracy source->adapted: {', '.join(parts)}; {s['prompts_accepted']} prompts"
    if name == "export":
        return ", ".join(
            f"{n} {m['bytes']:,} B (parity {m['parity_max_abs']:.1e})"
            for n, m in s["models"].items()
        )
    return ""


def plots(report: dict[str, Any], out: Path) -> list[str]:
    """PNG files written into ``out`` (none without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    rank = report["stages"].get("rank", {})
    if rank.get("curve"):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        curve = rank["curve"]
        xs = [c["queries"] for c in curve]
        for node in curve[0]["ndcg"]:
            ax.plot(xs, [c["ndcg"][node] for c in curve], alpha=0.5, label=node)
        ax.plot(xs, [c["ndcg_mean"] for c in curve], "k-o", label="mean")
        ax.set(xlabel="searches across the swarm", ylabel="served nDCG@10", title="rank")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "rank_ndcg.png", dpi=100)
        plt.close(fig)
        written.append("rank_ndcg.png")
    finetune = report["stages"].get("finetune", {})
    if finetune.get("timeline"):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        timeline = finetune["timeline"]
        nodes = sorted({n for t in timeline for n in t["rounds"]})
        for node in nodes:
            pts = [(t["t"], t["rounds"][node]) for t in timeline if node in t["rounds"]]
            ax.step([p[0] for p in pts], [p[1] for p in pts], where="post", label=node)
        for event in finetune.get("events", []):
            ax.axvline(event["t"], color="grey", lw=0.8, ls=":")
            ax.text(event["t"], 0.5, event["event"], rotation=90, fontsize=6, va="bottom")
        ax.set(xlabel="seconds", ylabel="SPSA round applied", title="finetune")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "finetune_rounds.png", dpi=100)
        plt.close(fig)
        written.append("finetune_rounds.png")
    adapt = report["stages"].get("adapt", {})
    if adapt.get("domains"):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        names = list(adapt["domains"])
        positions = list(range(len(names)))
        source = [100 * (adapt["domains"][n]["source"] or 0) for n in names]
        adapted = [100 * (adapt["domains"][n]["adapted"] or 0) for n in names]
        ax.bar([x - 0.2 for x in positions], source, 0.4, label="frozen source")
        ax.bar([x + 0.2 for x in positions], adapted, 0.4, label="adapted (prompts from the cloud)")
        ax.set_xticks(positions, names)
        ax.set(ylabel="accuracy %", title="adapt: accuracy per corruption domain")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "adapt_domains.png", dpi=100)
        plt.close(fig)
        written.append("adapt_domains.png")
    return written


def write(report: dict[str, Any], out: Path, drawn: list[str] | None = None) -> list[Path]:
    """Write report.json, the plots (unless ``drawn`` already) and report.md into ``out``;
    the paths written."""
    report["plots"] = plots(report, out) if drawn is None else drawn
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# byteswarm demo report",
        "",
        f"seed {report['seed']}, {report['peers']} device daemons (and a late joiner) + 1 cloud "
        f"daemon, {'quick' if report['quick'] else 'default'} sizes, {report['seconds']} s "
        "from the first daemon to the end of the last stage.",
        "Every number below comes from this run (`report.json` has them all).",
        "",
        "| stage | status | result |",
        "| --- | --- | --- |",
        *(f"| {n} | {s} | {h} |" for n, s, h in summary_rows(report)),
        "",
    ]
    adapt = report["stages"].get("adapt", {})
    if adapt.get("domains"):
        lines += [
            "| domain | devices | images | frozen source | adapted |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, r in adapt["domains"].items():
            lines.append(
                f"| {name} | {r.get('devices', '?')} | {r['images']} | {_pct(r['source'])} "
                f"| {_pct(r['adapted'])} |"
            )
        lines.append("")
    models = report["stages"].get("export", {}).get("models", {})
    if models:
        lines += [
            "| exported model | file | bytes | onnxruntime vs torch, max abs | prompt baked in |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, m in models.items():
            baked = (
                f"{m['node']}'s v{m['prompt_version']}: vs the device's prompted model "
                f"{m['vs_device_max_abs']:.1e}; accuracy on the {m['images']} camera images "
                "it adapted on "
                f"{_pct(m['accuracy'])} (frozen source {_pct(m['source_accuracy'])})"
                if "prompt_version" in m
                else "-"
            )
            lines.append(
                f"| {name} | `{m['file']}` | {m['bytes']:,} | {m['parity_max_abs']:.1e} | {baked} |"
            )
        lines.append("")
    for png in report["plots"]:
        lines += [f"![{png}]({png})", ""]
    lines += [
        "Node logs: `nodes/*/daemon.log`; exported models: `models/`.",
        "The finetune stage trains the tiny random BERT twin (the protocol, not accuracy);",
        "MiniLM accuracy and the full benchmarks are in the repository's docs/results.md.",
        "",
    ]
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    return [out / "report.md", out / "report.json", *(out / p for p in report["plots"])]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"
