"""Benchmark: the page segmenter's leave-one-template-out comment precision and recall.

Trains on all annotated templates but one, segments the held-out template's pages, and
prints comment precision and recall per template and pooled (text pages count lines,
HTML pages comment units, as in the model metadata), for the parameters of
``training/config.toml``. ``--errors`` also lists the held-out lines whose
comment/non-comment call was wrong. ``--grid`` scores the decoding grid below for each
C (one fit per C and template; the decoding parameters need no refit) and prints the
combinations best first by the lower of pooled precision and recall, which is how the
defaults are chosen (``announced_penalty``, the entry cost where the page announces its
comments, is not in the config file: its default lives in ``PageSegmenter``).

    .venv/bin/python benchmarks/loto_segment.py [--errors] [--grid]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from winnow.config import load_config
from winnow.evaluation import comment_counts, leave_one_template_out
from winnow.pages import AnnotatedPage, load_annotated_pages
from winnow.segment import PageSegmenter, segment_page

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "training" / "data" / "pages"
C_VALUES = (1.0, 3.0)
DECODING = {
    "enter_penalty": [10.0, 14.0, 18.0],
    "announced_penalty": [4.0, 6.0, 8.0],
    "switch_penalty": [0.1, 0.3, 1.0],
    "quote_weight": [0.1, 0.4, 0.8],
    "shape_weight": [0.0, 0.5, 0.8, 1.0],
}


def print_table(report: dict) -> None:
    print(f"{'template':<20} {'P':>6} {'R':>6} {'found':>6} {'actual':>6}")
    for template, row in report.items():
        print(
            f"{template:<20} {row['precision']:>6.3f} {row['recall']:>6.3f} "
            f"{row['found']:>6} {row['actual']:>6}"
        )


def folds(pages: list[AnnotatedPage], params: dict):
    """(fitted segmenter, held-out pages) for each template."""
    for template in sorted({p.template for p in pages}):
        train = [p for p in pages if p.template != template]
        segmenter = PageSegmenter(**params).fit(
            [p.lines_text for p in train], [p.line_kinds() for p in train]
        )
        yield segmenter, [p for p in pages if p.template == template]


def print_errors(pages: list[AnnotatedPage], params: dict) -> None:
    """The held-out text-view lines whose comment call was wrong, per page."""
    for segmenter, held_out in folds(pages, params):
        for page in held_out:
            lines, kinds, _ = segmenter.line_kinds(page.lines_text)
            for line, truth, kind in zip(lines, page.line_kinds(), kinds, strict=True):
                if (truth == "comment") != (kind == "comment"):
                    where = f"{page.path.relative_to(PAGES)}:{line.number}"
                    print(f"{where} {truth}->{kind} {line.text.strip()[:90]}")


def grid(pages: list[AnnotatedPage]) -> None:
    """Pooled precision and recall of every (C, decoding) combination, best first."""
    rows = []
    for C in C_VALUES:
        fitted = list(folds(pages, {"C": C}))
        for values in itertools.product(*DECODING.values()):
            decoding = dict(zip(DECODING, values, strict=True))
            hits, found, actual = np.sum(
                [
                    comment_counts(page, segment_page(segmenter.set_params(**decoding), page.page))
                    for segmenter, held_out in fitted
                    for page in held_out
                ],
                axis=0,
            )
            rows.append(
                (min(hits / found, hits / actual), hits / found, hits / actual, C, decoding)
            )
    for _, precision, recall, C, decoding in sorted(rows, key=lambda row: -row[0])[:10]:
        print(f"C {C} {decoding}: P {precision:.3f} R {recall:.3f}")


def main() -> None:
    # One BLAS thread: the fits are small, and on a shared machine BLAS threads fighting
    # over the cores made each logistic-regression fit some twenty times slower.
    threadpool_limits(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args()
    pages = load_annotated_pages(PAGES)
    if args.grid:
        grid(pages)
        return
    params = load_config(ROOT / "training" / "config.toml").segmenter.model_dump()
    print(f"{len(pages)} pages, parameters {params}")
    print_table(leave_one_template_out(pages, lambda: PageSegmenter(**params)))
    if args.errors:
        print_errors(pages, params)


if __name__ == "__main__":
    main()
