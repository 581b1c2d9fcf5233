"""Verdicts from probabilities and thresholds; reasons that agree with the verdict."""

from __future__ import annotations

import pytest

from winnow import normalize
from winnow.moderation import Thresholds, judge, model_thresholds

SPAM = "Google is paying $190 an hour for easy work from home, start now at quick-pay-jobs.com"
HAM = "The council's plan for the bypass ignores the flooding on Mill Lane every winter."


def test_thresholds_give_three_verdicts():
    thresholds = Thresholds(spam=0.6, discard=0.9)
    assert [thresholds.verdict(p) for p in (0.1, 0.6, 0.89, 0.9, 1.0)] == [
        "ham",
        "spam",
        "spam",
        "discard",
        "discard",
    ]


@pytest.mark.parametrize(("spam", "discard"), [(0.9, 0.5), (-0.1, 0.5), (0.5, 1.5)])
def test_impossible_thresholds_are_refused(spam, discard):
    with pytest.raises(ValueError, match="need 0 <= spam"):
        Thresholds(spam, discard)


def test_model_thresholds_take_overrides_and_keep_discard_above_spam(bundled_model):
    default = model_thresholds(bundled_model)
    assert default.spam == bundled_model.threshold
    assert default.discard == bundled_model.metadata["discard_threshold"] >= default.spam
    assert model_thresholds(bundled_model, spam=0.99, discard=0.5) == Thresholds(0.99, 0.99)


def test_judge_scores_like_the_model_and_explains_towards_the_verdict(bundled_model):
    answers = judge(bundled_model, [SPAM, HAM], model_thresholds(bundled_model))
    assert [a.spam_probability for a in answers] == pytest.approx(
        bundled_model.predict_proba([SPAM, HAM]).tolist()
    )
    assert answers[0].verdict != "ham" and all(r["weight"] > 0 for r in answers[0].reasons)
    assert answers[1].verdict == "ham" and all(r["weight"] < 0 for r in answers[1].reasons)


def test_reasons_follow_overridden_thresholds(bundled_model):
    [answer] = judge(bundled_model, [HAM], Thresholds(spam=0.0, discard=1.0))
    assert answer.verdict == "spam"
    assert answer.reasons and all(r["weight"] > 0 for r in answer.reasons)


def test_ham_can_go_unexplained(bundled_model):
    answers = judge(bundled_model, [SPAM, HAM], model_thresholds(bundled_model), explain_ham=False)
    assert answers[0].reasons and answers[1].reasons == []


def test_a_flagged_comment_is_cleaned_once_for_its_score_and_its_reasons(
    bundled_model, monkeypatch
):
    cleaned = []
    real = normalize.TextNormalizer.transform

    def counted(self, texts):
        cleaned.append(list(texts))
        return real(self, texts)

    monkeypatch.setattr(normalize.TextNormalizer, "transform", counted)
    answers = judge(bundled_model, [SPAM, HAM], model_thresholds(bundled_model), explain_ham=False)
    assert cleaned == [[SPAM, HAM]]
    assert answers[0].reasons and answers[0].reasons == bundled_model.explain(SPAM, top=5)
