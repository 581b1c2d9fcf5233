"""Benchmark: ``winnow train`` time and peak memory for 10k, 100k and 1M comments.

Generates labelled JSONL comments from the bundled corpus (each text with one of
97 suffixes), and trains on each file with the real ``winnow train`` command and
the bundled configuration's model, evaluation and threshold settings, without
annotated pages (so the page segmenter, whose cost does not grow with comments,
is not part of it). The whole run is timed: cross-validation, the final fit, and
compiling and verifying the fast scorer. A size that runs past ``--max-seconds``
is stopped and reported as such.

    .venv/bin/python benchmarks/bench_train.py [--sizes 10000 100000 1000000]
        [--max-seconds 420] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import tomllib
from pathlib import Path

from benchtools import ROOT, describe, run_measured, write_comments

WINNOW = Path(sys.executable).with_name("winnow")
SECTIONS = ("model", "evaluation", "threshold")


def toml_value(value: object) -> str:
    return json.dumps(value)  # numbers, strings, booleans and lists read the same in TOML


def write_config(path: Path, data: Path) -> None:
    """The bundled configuration's sections for the spam model, on ``data``, no pages."""
    bundled = tomllib.loads((ROOT / "training/config.toml").read_text())
    lines = ["[data]", f"files = [{toml_value(str(data))}]"]
    for section in SECTIONS:
        lines.append(f"[{section}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in bundled[section].items()]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--max-seconds", type=float, default=420.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            data, config = Path(tmp) / f"train-{size}.jsonl", Path(tmp) / f"config-{size}.toml"
            write_comments(data, size, labelled=True)
            write_config(config, data)
            command = [str(WINNOW), "train", "--config", str(config), "--no-promote"]
            command += ["--out", str(Path(tmp) / "models")]
            elapsed, peak, stopped = run_measured(command, timeout=args.max_seconds)
            figures.append({"rows": size, "seconds": elapsed, "peak": peak, "stopped": stopped})
            state = f"stopped after {elapsed:.0f} s" if stopped else f"{elapsed:.1f} s"
            print(f"{size:,} comments: {state}, peak RSS {peak / 2**20:,.0f} MiB")
            data.unlink()
    if args.json:
        args.json.write_text(json.dumps({"machine": describe(), "runs": figures}, indent=2))


if __name__ == "__main__":
    main()
