"""Benchmark: batch scoring of a large JSONL file, 1 and 2 jobs.

Generates N comment rows (default 1,000,000) from the bundled corpus (each text
with one of 97 suffixes, so about 80,000 distinct texts), scores the file with
the real ``winnow score`` command for ``--jobs 1`` and ``--jobs 2`` (and, with
``--dask``, ``--engine dask`` on a LocalCluster of 2 workers), and prints rows/s and
the peak resident memory of the whole process tree (sampled every 0.1 s from
/proc). It then scores every distinct text in one in-memory batch and checks that
each output row carries exactly that batch's score, and that the Dask output equals
the local one.

    .venv/bin/python benchmarks/bench_score.py [--rows 1000000] [--dask] [--models-dir models]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

from winnow.registry import load_model

ROOT = Path(__file__).resolve().parent.parent
WINNOW = Path(sys.executable).with_name("winnow")


def make_input(path: Path, rows: int) -> None:
    corpus = [json.loads(line)["text"] for line in (ROOT / "training/data/comments.jsonl").open()]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            text = f"{corpus[i % len(corpus)]} #{i % 97}"
            handle.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += (
                next(
                    int(line.split()[1])
                    for line in status.splitlines()
                    if line.startswith("VmRSS:")
                )
                * 1024
            )
        except (OSError, StopIteration):
            pass
        todo.extend(children.get(current, []))
    return total


def run(command: list[str]) -> tuple[float, int]:
    """Wall time and peak tree RSS of a command."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    start = time.perf_counter()
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode:
        sys.exit(f"winnow score failed: {err.decode()}")
    return elapsed, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--models-dir", default=str(ROOT / "models"))
    parser.add_argument("--dask", action="store_true", help="also run the Dask engine")
    args = parser.parse_args()
    model = load_model(args.models_dir)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "comments.jsonl"
        make_input(source, args.rows)
        size = source.stat().st_size / 1e6
        print(f"input: {args.rows:,} rows, {size:.0f} MB, model {model.version}")
        runs = {"jobs=1": ["--jobs", "1"], "jobs=2": ["--jobs", "2"]}
        if args.dask:
            runs["dask"] = ["--engine", "dask"]
        outputs = {}
        for name, extra in runs.items():
            output = Path(tmp) / f"scored-{name}.parquet"
            command = [str(WINNOW), "score", str(source), "-o", str(output), "--quiet", *extra]
            elapsed, peak = run([*command, "--models-dir", args.models_dir])
            outputs[name] = output
            print(
                f"{name}: {elapsed:.1f} s, {args.rows / elapsed:,.0f} rows/s, "
                f"peak RSS {peak / 2**20:,.0f} MiB (process tree)"
            )
        check_against_one_batch(model, outputs)


def check_against_one_batch(model, outputs: dict[str, Path]) -> None:
    scored = {name: pd.read_parquet(path) for name, path in outputs.items()}
    reference = scored["jobs=1"]
    distinct = reference["text"].drop_duplicates().tolist()
    batch = dict(zip(distinct, model.predict_proba(distinct).round(6), strict=True))
    for name, frame in scored.items():
        same = bool((frame["text"].map(batch) == frame["spam_probability"]).all())
        ordered = frame["id"].tolist() == list(range(len(frame)))
        equal = frame.reset_index(drop=True).equals(reference)
        print(
            f"{name}: {len(frame):,} rows, identical to one in-memory batch: {same}, "
            f"input order kept: {ordered}, equal to the jobs=1 output: {equal}"
        )


if __name__ == "__main__":
    main()
