"""Benchmark: segmenting a 1 MB plain-text page.

Builds a ~1 MB page from the bundled annotated pages, trains a segmenter on them,
and times ``segment_text`` over several runs. The baseline in the same run is
``page_lines`` alone (splitting and feature preparation), so the ratio shows
what the classifier and the decoding add on top of reading the page.

    .venv/bin/python benchmarks/bench_segment.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from winnow.pages import load_annotated_pages
from winnow.segment import PageSegmenter, page_lines

PAGES = Path(__file__).resolve().parent.parent / "training" / "data" / "pages"


def timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--megabytes", type=float, default=1.0)
    args = parser.parse_args()
    pages = load_annotated_pages(PAGES)
    segmenter = PageSegmenter().fit([p.lines_text for p in pages], [p.line_kinds() for p in pages])
    text_pages = "\n".join(p.lines_text for p in pages if not p.page.is_html)
    page = text_pages * (int(args.megabytes * 1e6 / len(text_pages.encode())) + 1)
    page = page.encode()[: int(args.megabytes * 1e6)].decode(errors="ignore")
    lines = len(page_lines(page))
    baseline = [timed(page_lines, page) for _ in range(args.runs)]
    full = [timed(segmenter.segment_text, page) for _ in range(args.runs)]
    print(f"page: {len(page.encode()) / 1e6:.2f} MB, {lines} non-blank lines, {args.runs} runs")
    print(f"page_lines (baseline): median {statistics.median(baseline):.3f} s")
    print(
        f"segment_text:          median {statistics.median(full):.3f} s "
        f"({statistics.median(full) / statistics.median(baseline):.1f}x baseline)"
    )


if __name__ == "__main__":
    main()
