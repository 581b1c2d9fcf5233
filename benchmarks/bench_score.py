"""Benchmark: ``winnow score`` end to end on a large JSONL file, 1 and 2 jobs.

Generates N comment rows (default 1,000,000) from the bundled corpus (each text
with one of 97 suffixes, so about 80,000 distinct texts), scores the file with
the real ``winnow score`` command into JSONL for ``--jobs 1`` and ``--jobs 2``
(and, with ``--dask``, ``--engine dask`` on a LocalCluster of 2 workers), and
prints rows/s and the peak resident memory of the whole process tree (sampled
every 0.1 s from /proc). It then checks every output row's score against the
model's own ``Pipeline.predict_proba`` of the distinct texts, and that the
outputs keep the input order and agree with one another.

    .venv/bin/python benchmarks/bench_score.py [--rows 1000000] [--dask]
        [--models-dir models] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from benchtools import ROOT, describe, run_measured, write_comments
from winnow.features import with_plain_vectorizers
from winnow.registry import load_model

WINNOW = Path(sys.executable).with_name("winnow")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--models-dir", default=str(ROOT / "models"))
    parser.add_argument("--dask", action="store_true", help="also run the Dask engine")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    model = load_model(args.models_dir)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "comments.jsonl"
        write_comments(source, args.rows)
        size = source.stat().st_size / 1e6
        print(f"input: {args.rows:,} rows, {size:.0f} MB JSONL, model {model.version}")
        runs = {"jobs=1": ["--jobs", "1"], "jobs=2": ["--jobs", "2"]}
        if args.dask:
            runs["dask"] = ["--engine", "dask"]
        outputs, figures = {}, []
        for name, extra in runs.items():
            output = Path(tmp) / f"scored-{name}.jsonl"
            command = [str(WINNOW), "score", str(source), "-o", str(output), "--quiet", *extra]
            elapsed, peak, _ = run_measured([*command, "--models-dir", args.models_dir])
            outputs[name] = output
            figures.append(
                {"run": name, "seconds": elapsed, "rows_per_s": args.rows / elapsed, "peak": peak}
            )
            print(
                f"{name}: {elapsed:.1f} s, {args.rows / elapsed:,.0f} rows/s, "
                f"peak RSS {peak / 2**20:,.0f} MiB (process tree)"
            )
        checks = check_against_pipeline(model, outputs)
    if args.json:
        result = {"machine": describe(), "rows": args.rows, "runs": figures, "checks": checks}
        args.json.write_text(json.dumps(result, indent=2))


def check_against_pipeline(model, outputs: dict[str, Path]) -> list[str]:
    """Every row's score is the plain pipeline's for its text (rounded to 6 places, as
    written), rows keep the input order, and all runs wrote the same rows."""
    scored = {name: pd.read_json(path, lines=True) for name, path in outputs.items()}
    reference = scored["jobs=1"]
    distinct = reference["text"].drop_duplicates().tolist()
    plain = with_plain_vectorizers(model.pipeline).predict_proba(distinct)[:, 1].round(6)
    expected = dict(zip(distinct, plain, strict=True))
    lines = []
    for name, frame in scored.items():
        gap = float((frame["text"].map(expected) - frame["spam_probability"]).abs().max())
        ordered = frame["id"].tolist() == list(range(len(frame)))
        equal = frame.reset_index(drop=True).equals(reference)
        lines.append(
            f"{name}: {len(frame):,} rows, max |score - plain pipeline| {gap:.1e}, "
            f"input order kept: {ordered}, equal to the jobs=1 output: {equal}"
        )
        print(lines[-1])
    return lines


if __name__ == "__main__":
    main()
