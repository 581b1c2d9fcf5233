"""Benchmark: scoring throughput of the compiled fast scorer against the plain pipeline.

The same comments (generated from the bundled corpus, each with one of 97
suffixes) are scored by ``SpamModel.predict_proba`` (the compiled scorer) and by
``Pipeline.predict_proba`` of the model's pipeline with scikit-learn's own vectorizers
(``with_plain_vectorizers``: the plain scikit-learn pipeline), in this one
process, alternating, at batch sizes 1, 100 and 10,000. Each figure is the median
of ``--repeats`` timings of a run of batches (about ``--rows`` comments per
timing). It also times the fast scorer on already normalised text (the part that
replaces scikit-learn's TF-IDF), and checks that both give the same scores.

    .venv/bin/python benchmarks/bench_fastscore.py [--rows 20000] [--repeats 5]
        [--models-dir models] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchtools import describe  # benchmarks/ is on sys.path when a script here runs
from winnow.features import with_plain_vectorizers
from winnow.registry import load_model

ROOT = Path(__file__).resolve().parent.parent
BATCHES = (1, 100, 10_000)


def comments(rows: int) -> list[str]:
    lines = (ROOT / "training/data/comments.jsonl").read_text().splitlines()
    corpus = [json.loads(line)["text"] for line in lines]
    return [f"{corpus[i % len(corpus)]} #{i % 97}" for i in range(rows)]


def rate(score: Callable[[list[str]], object], texts: list[str], batch: int) -> float:
    """Comments per second scoring ``texts`` in batches of ``batch``."""
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        score(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - start)


def measure(model, texts: list[str], batch: int, repeats: int) -> dict[str, float]:
    """Median comments/s of both scorers, timed alternately on the same comments."""
    rows = texts if batch > 1 else texts[:2_000]
    pipeline = with_plain_vectorizers(model.pipeline)
    plain, fast = [], []
    for _ in range(repeats):
        plain.append(rate(pipeline.predict_proba, rows, batch))
        fast.append(rate(model.predict_proba, rows, batch))
    p, f = statistics.median(plain), statistics.median(fast)
    return {"batch": batch, "plain_per_s": p, "fast_per_s": f, "ratio": f / p}


def features_only(model, texts: list[str], repeats: int) -> dict[str, float]:
    """TF-IDF + classifier on normalised text: scikit-learn's against the compiled one."""
    normalised = list(model.pipeline[0].transform(texts))
    tail = with_plain_vectorizers(model.pipeline)[1:]
    plain = [rate(tail.predict_proba, normalised, 10_000) for _ in range(repeats)]
    scorer = model.fast()
    fast = [rate(scorer.prepared_probabilities, normalised, 10_000) for _ in range(repeats)]
    p, f = statistics.median(plain), statistics.median(fast)
    return {"batch": 10_000, "plain_per_s": p, "fast_per_s": f, "ratio": f / p}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models-dir", default=str(ROOT / "models"))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    model = load_model(args.models_dir)
    texts = comments(args.rows)
    plain = with_plain_vectorizers(model.pipeline).predict_proba(texts)[:, 1]
    difference = float(np.max(np.abs(model.predict_proba(texts) - plain)))
    print(f"model {model.version}; {len(texts):,} comments; max |fast - plain| = {difference:.1e}")
    rows = [measure(model, texts, batch, args.repeats) for batch in BATCHES]
    tail = features_only(model, texts, args.repeats)
    print("| batch | plain pipeline (comments/s) | fast scorer (comments/s) | ratio |")
    print("|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['batch']:,} | {row['plain_per_s']:,.0f} | {row['fast_per_s']:,.0f} "
            f"| {row['ratio']:.1f} |"
        )
    print(
        f"TF-IDF + classifier only, on normalised text, batch 10,000: plain "
        f"{tail['plain_per_s']:,.0f}/s, fast {tail['fast_per_s']:,.0f}/s, ratio {tail['ratio']:.1f}"
    )
    if args.json:
        result = {"machine": describe(), "max_difference": difference, "rows": rows, "tail": tail}
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
