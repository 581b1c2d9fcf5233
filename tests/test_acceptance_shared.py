"""Acceptance checks on the shared evaluation material (read at run time, never copied).

Skipped with a reason when ``../shared`` is absent, as in a newcomer's clone.
"""

import json

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from conftest import run_winnow
from service_fixtures import SITE
from winnow.corpus import load_labelled
from winnow.pages import read_page
from winnow.segment import find_references, segment_page

SEED_WITH_COMMENTS = "001_1278bedb20be550f.txt"
YOUTUBE_FILES = [
    "Youtube01-Psy.csv",
    "Youtube02-KatyPerry.csv",
    "Youtube03-LMFAO.csv",
    "Youtube04-Eminem.csv",
]


def seed_comment_lines(shared_dir):
    """Lines 13-38 of the seed page with comments, with their ground-truth spam flags."""
    truth = json.loads((shared_dir / "seeds" / "segments.json").read_text())["pages"]
    lines = (shared_dir / "seeds" / SEED_WITH_COMMENTS).read_text(encoding="utf-8").splitlines()
    spam = {s["line"]: s["spam"] for s in truth[SEED_WITH_COMMENTS]}
    return [(n, lines[n - 1], spam[n]) for n in range(13, 39)]


def test_seed_comments_only_the_google_is_paying_post_is_spam(
    shared_dir, trained_models_dir, tmp_path
):
    comments = seed_comment_lines(shared_dir)
    assert len(comments) == 26 and [n for n, _, s in comments if s] == [38]
    source = tmp_path / "seed_comments.jsonl"
    source.write_text("".join(json.dumps({"line": n, "text": t}) + "\n" for n, t, _ in comments))
    result = run_winnow("score", str(source), "--models-dir", str(trained_models_dir))
    assert result.returncode == 0, result.stderr
    labels = {row["line"]: row["label"] for row in map(json.loads, result.stdout.splitlines())}
    assert [n for n, label in labels.items() if label == "spam"] == [38]
    assert len(labels) == 26


def test_bundled_model_ranks_youtube_spam_with_roc_auc_above_085(shared_dir, bundled_model):
    folder = shared_dir / "datasets" / "youtube-spam-collection"
    labels, scores = [], []
    for name in YOUTUBE_FILES:
        frame = load_labelled(folder / name)
        file_scores = bundled_model.predict_proba(frame["text"].tolist())
        auc = roc_auc_score(frame["label"], file_scores)
        print(f"{name}: ROC-AUC {auc:.4f} ({len(frame)} comments)")
        labels.extend(frame["label"])
        scores.extend(file_scores)
    overall = roc_auc_score(labels, np.asarray(scores))
    print(f"all four files: ROC-AUC {overall:.4f}")
    assert overall >= 0.85


def seed_truth(shared_dir):
    return json.loads((shared_dir / "seeds" / "segments.json").read_text())["pages"]


def comment_lines(segments):
    return sorted(n for s in segments if s.kind == "comment" for n in s.lines)


def test_segmenter_finds_exactly_the_seed_comments(shared_dir, bundled_segmenter):
    for name, lines in seed_truth(shared_dir).items():
        page = read_page(shared_dir / "seeds" / name)
        expected = sorted(line["line"] for line in lines if line["kind"] == "comment")
        assert comment_lines(segment_page(bundled_segmenter, page)) == expected, name


def test_reference_article_marks_the_body_of_its_twin(shared_dir, bundled_segmenter):
    truth = seed_truth(shared_dir)[SEED_WITH_COMMENTS]
    reference = read_page(shared_dir / "seeds" / "000_22ddb7db1e174ad8.txt")
    page = read_page(shared_dir / "seeds" / SEED_WITH_COMMENTS)
    article = find_references(bundled_segmenter, [page, reference])[0]
    segments = segment_page(bundled_segmenter, page, article)
    assert comment_lines(segments) == list(range(13, 39))
    body = sorted(n for s in segments if s.kind == "body" for n in s.lines)
    expected_body = [line["line"] for line in truth if line["kind"] == "body"]
    assert body == expected_body and len(body) == 12
    lines, _, confidence = bundled_segmenter.line_kinds(page.text, article)
    assert all(c == 1.0 for line, c in zip(lines, confidence, strict=True) if line.number <= 12)


def test_scoring_the_seed_folder_gives_exactly_the_comment_units_of_001(
    shared_dir, trained_models_dir, tmp_path
):
    output = tmp_path / "out.csv"
    result = run_winnow(
        "score",
        str(shared_dir / "seeds"),
        "-o",
        str(output),
        "--models-dir",
        str(trained_models_dir),
    )
    assert result.returncode == 0, result.stderr
    scored = pd.read_csv(output)
    assert set(scored["page"]) == {str(shared_dir / "seeds" / SEED_WITH_COMMENTS)}
    assert scored["line_start"].tolist() == list(range(13, 39))
    assert scored.loc[scored["label"] == "spam", "line_start"].tolist() == [38]


def akismet_comment_check(server_url, key, text):
    """The plain-text answer of a live server's ``/1.1/comment-check`` for ``text``."""
    fields = {"api_key": key, "blog": SITE, "user_ip": "203.0.113.7", "comment_content": text}
    answer = httpx.post(f"{server_url}/1.1/comment-check", data=fields, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_live_comment_check_answers_the_seed_spam_true_and_a_seed_comment_false(
    shared_dir, serve, site_key
):
    """Seed 001's one spam post (line 38) and an ordinary comment (line 13), over HTTP."""
    comments = {n: (text, spam) for n, text, spam in seed_comment_lines(shared_dir)}
    assert (comments[38][1], comments[13][1]) == (True, False)  # the ground truth agrees
    server = serve()
    answers = [akismet_comment_check(server.url, site_key, comments[n][0]) for n in (38, 13)]
    assert answers == ["true", "false"]
