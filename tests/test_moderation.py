"""Verdicts from probabilities and thresholds; reasons that agree with the verdict."""

from __future__ import annotations

import asyncio
import re

import pytest

from conftest import count_batches
from winnow import normalize
from winnow.keys import issue_key
from winnow.moderation import (
    CheckRequest,
    Comment,
    Moderator,
    Thresholds,
    check_coalescer,
    judge,
    model_thresholds,
    new_guids,
)
from winnow.registry import LiveModel
from winnow.store import CheckLogWriter, open_store

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


@pytest.fixture
def moderator(trained_models_dir, tmp_path):
    live = LiveModel(trained_models_dir)
    live.refresh()
    store = open_store(f"sqlite:///{tmp_path / 'winnow.db'}")
    yield Moderator(live, store, CheckLogWriter(store))
    store.close()


def without_guid(answers):
    return [(a.verdict, a.model_version, a.reasons) for a in answers]


def test_checks_of_several_requests_in_one_batch_are_answered_each_as_alone(moderator):
    _, lenient = issue_key(moderator.store, "https://a.example.com", spam_threshold=1.0)
    _, strict = issue_key(moderator.store, "https://b.example.com", spam_threshold=0.0)
    requests = [
        CheckRequest(Comment(SPAM), lenient, "akismet", explain_ham=False),
        CheckRequest(Comment(HAM), strict, "native"),
        CheckRequest(Comment(HAM), lenient, "akismet", explain_ham=False),
        CheckRequest(Comment(HAM), None, "native", is_test=True, fixed="spam"),
        CheckRequest(Comment(SPAM), strict, "native"),
    ]
    together = moderator.check_each(requests)
    alone = [moderator.check_each([r])[0] for r in requests]
    assert without_guid(together) == without_guid(alone)
    probabilities = [a.spam_probability for a in alone]
    assert [a.spam_probability for a in together] == pytest.approx(probabilities, abs=1e-12)
    assert [a.verdict for a in together] == ["ham", "spam", "ham", "spam", "discard"]
    assert together[0].reasons == together[2].reasons == []  # ham, unexplained as asked
    assert together[1].reasons and together[4].reasons
    assert len({a.guid for a in together + alone}) == 10
    moderator.log_writer.flush()
    logged = moderator.store.checks()
    assert [c["guid"] for c in logged] == [a.guid for a in together + alone]
    assert [c["api"] for c in logged[:5]] == ["akismet", "native", "akismet", "native", "native"]


def test_single_checks_of_one_turn_of_the_loop_are_judged_together(moderator, monkeypatch):
    real = moderator.check_each
    batches = count_batches(monkeypatch, moderator)
    requests = [CheckRequest(Comment(text), None, "native") for text in (SPAM, HAM, SPAM)]

    async def main():
        checks = check_coalescer(moderator)
        return await asyncio.gather(*(checks.submit(r) for r in requests))

    answers = asyncio.run(main())
    assert batches == [3]
    assert [a.verdict for a in answers] == [a.verdict for a in real(requests)]


def test_checks_are_named_by_distinct_random_128_bit_hex():
    names = new_guids(1000)
    assert len(set(names)) == 1000
    assert all(re.fullmatch("[0-9a-f]{32}", name) for name in names)
    assert new_guids(0) == []
