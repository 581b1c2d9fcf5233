"""The Dask engine on a LocalCluster of 2 workers gives the local engine's output."""

import json

import pandas as pd

from conftest import run_winnow, score_to_frame

TEXTS = [
    "The council should fix the potholes on Main Street before the winter.",
    "Google is paying $95 an hour from home, open cashnow247.com and start today",
    "Great match, the keeper was outstanding",
    "Bitcoin manager Mrs Carter turned my $500 into $9,000, WhatsApp +1 555 0101 2020",
]


def test_dask_engine_matches_the_local_engine(trained_models_dir, tmp_path):
    source = tmp_path / "comments.jsonl"
    rows = [{"id": i, "text": TEXTS[i % len(TEXTS)] + f" #{i}"} for i in range(40)]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    outputs = {
        engine: score_to_frame(
            trained_models_dir, source, tmp_path / f"{engine}.csv", "--engine", engine
        )
        for engine in ("local", "dask")
    }
    pd.testing.assert_frame_equal(outputs["local"], outputs["dask"])
    assert outputs["dask"]["id"].tolist() == list(range(40))
    assert set(outputs["dask"]["label"]) == {"spam", "ham"}


def test_dask_engine_refuses_pages(trained_models_dir, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Title\nBody\n")
    result = run_winnow(
        "score",
        str(page),
        "-o",
        str(tmp_path / "o.csv"),
        "--engine",
        "dask",
        "--models-dir",
        str(trained_models_dir),
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {page}: the dask engine scores comment tables; score pages locally"
    )
