"""``make bench``: every benchmark, one after the other, then ``benchmarks/RESULTS.md``.

Each benchmark prints its own figures as it goes and writes them as JSON; this
script gathers them into one Markdown file (the latest figures, with the machine
they were measured on). The training benchmark runs last, with whatever is left
of ``--budget`` (a size that would overrun it is stopped and reported as such).

    .venv/bin/python benchmarks/run_all.py [--budget 840] [--score-rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchtools import describe

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
TRAIN_SIZES = ("10000", "100000", "1000000")


def run(script: str, out: Path, *extra: str) -> dict:
    """Runs one benchmark (its output shown as it comes) and returns its JSON figures."""
    print(f"\n== {script} {' '.join(extra)}", flush=True)
    done = subprocess.run([sys.executable, str(HERE / script), "--json", str(out), *extra])
    if done.returncode:
        sys.exit(f"{script} failed ({done.returncode})")
    return json.loads(out.read_text())


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def scoring_table(figures: dict) -> list[str]:
    lines = [
        "| batch | plain pipeline (comments/s) | fast scorer (comments/s) | fast / plain |",
        "|---:|---:|---:|---:|",
    ]
    for row in figures["rows"]:
        lines.append(
            f"| {row['batch']:,} | {row['plain_per_s']:,.0f} | {row['fast_per_s']:,.0f} "
            f"| {row['ratio']:.1f} |"
        )
    tail = figures["tail"]
    lines += [
        "",
        f"TF-IDF + classifier only (normalised text in, batch 10,000): plain "
        f"{tail['plain_per_s']:,.0f}/s, fast {tail['fast_per_s']:,.0f}/s, "
        f"ratio {tail['ratio']:.1f}. "
        f"Largest |fast - plain| score: {figures['max_difference']:.1e}.",
    ]
    return lines


def score_table(figures: dict) -> list[str]:
    lines = [
        f"{figures['rows']:,} comments, JSONL in and out.",
        "",
        "| run | seconds | rows/s | peak RSS (process tree) |",
        "|---|---:|---:|---:|",
    ]
    for run_ in figures["runs"]:
        lines.append(
            f"| {run_['run']} | {run_['seconds']:.1f} | {run_['rows_per_s']:,.0f} "
            f"| {mib(run_['peak'])} |"
        )
    return [*lines, "", *[f"- {check}" for check in figures["checks"]]]


def service_table(figures: dict) -> list[str]:
    ceiling = {r["mode"]: r["rps"] for r in figures["rows"] if r["endpoint"].endswith("(no-op)")}
    lines = [
        "| route | mode | requests/s | p50 ms | p99 ms | requests/s vs no-op |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in figures["rows"]:
        ratio = r.get("ratio") or r["rps"] / ceiling.get(r["mode"], float("nan"))
        lines.append(
            f"| `{r['endpoint']}` | {r['mode']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} "
            f"| {r['p99_ms']:.2f} | {ratio:.2f} |"
        )
    rounds = [f"- `{r['endpoint']}`: {r['rounds']}" for r in figures["rows"] if r.get("rounds")]
    if rounds:
        lines += ["", "Saturation, each round (the routes took turns; rows: median round):"]
    return lines + rounds


def train_table(figures: dict) -> list[str]:
    lines = ["| comments | seconds | peak RSS |", "|---:|---:|---:|"]
    for run_ in figures["runs"]:
        seconds = f"{run_['seconds']:.1f}"
        if run_["stopped"]:
            seconds = f"stopped at {run_['seconds']:.0f}"
        lines.append(f"| {run_['rows']:,} | {seconds} | {mib(run_['peak'])} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=840.0, help="seconds for everything")
    parser.add_argument("--score-rows", default="1000000")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        scoring = run("bench_fastscore.py", out / "fastscore.json", "--repeats", "3")
        score = run("bench_score.py", out / "score.json", "--rows", args.score_rows)
        service = run("bench_service.py", out / "service.json", "--duration", "6")
        left = args.budget - (time.monotonic() - started)
        train = run(
            "bench_train.py",
            out / "train.json",
            "--sizes",
            *TRAIN_SIZES,
            "--max-seconds",
            f"{max(60.0, left / 2):.0f}",
        )
    sections = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{time.monotonic() - started:.0f} s in all.",
        f"Machine at the end: {describe()}.",
        "Each benchmark compares with its baseline measured in the same run; each section",
        "gives the machine's load as that benchmark finished (the machine is shared).",
        "",
        "## Scoring throughput: fast scorer vs the plain scikit-learn pipeline",
        "(`benchmarks/bench_fastscore.py`; medians of 3 timings, same comments)",
        "",
        f"Machine: {scoring['machine']}.",
        "",
        *scoring_table(scoring),
        "",
        "## `winnow score` end to end (`benchmarks/bench_score.py`)",
        "",
        f"Machine: {score['machine']}.",
        "",
        *score_table(score),
        "",
        "## Service: single checks vs a no-op route of the same server",
        "(`benchmarks/bench_service.py`; 2 uvicorn workers, wrk and the load generator on the "
        "same machine)",
        "",
        f"Machine: {service['machine']}.",
        "",
        *service_table(service),
        "",
        "## Training (`benchmarks/bench_train.py`)",
        "",
        f"Machine: {train['machine']}.",
        "",
        *train_table(train),
        "",
    ]
    RESULTS.write_text("\n".join(sections))
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
