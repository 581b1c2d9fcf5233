import numpy as np
from sklearn.base import clone

from winnow.config import ModelConfig
from winnow.model import SpamModel, build_pipeline, label_for


def fitted(tiny_corpus) -> SpamModel:
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1))
    assert pipeline.fit(texts, labels) is pipeline
    return SpamModel(pipeline, threshold=0.5)


def test_pipeline_follows_the_estimator_contract():
    pipeline = build_pipeline(ModelConfig(C=3.0))
    assert clone(pipeline).get_params()["classifier__estimator__C"] == 3.0
    assert clone(pipeline).get_params()["classifier__method"] == "sigmoid"
    assert not hasattr(pipeline[-1], "calibrated_classifiers_")


def test_calibration_can_be_switched_off(tiny_corpus):
    texts, labels = tiny_corpus
    plain = build_pipeline(ModelConfig(char_min_df=1, calibration="none")).fit(texts, labels)
    assert plain.get_params()["classifier__C"] == 10.0
    model = SpamModel(plain, threshold=0.5)
    assert model.explain("Google is paying $90 an hour, visit cashnow.com", top=2)


def test_spam_model_scores_and_labels(tiny_corpus):
    model = fitted(tiny_corpus)
    texts = [
        "Google is paying $90 an hour from home, visit cashnow.com",
        "The council should fix the roads before winter.",
    ]
    probabilities = model.predict_proba(texts)
    assert probabilities[0] > 0.5 > probabilities[1]
    assert model.predict(texts) == ["spam", "ham"]
    assert model.predict_proba([]).shape == (0,)


def test_explain_names_the_ngrams_behind_a_spam_verdict(tiny_corpus):
    model = fitted(tiny_corpus)
    reasons = model.explain("Google is paying $90 an hour, visit cashnow.com", top=3)
    assert 1 <= len(reasons) <= 3
    assert all(r["weight"] > 0 and r["kind"] in {"word", "char", "signal"} for r in reasons)
    weights = [r["weight"] for r in reasons]
    assert weights == sorted(weights, reverse=True)


def test_explain_for_ham_gives_ham_evidence(tiny_corpus):
    model = fitted(tiny_corpus)
    reasons = model.explain("The council should fix the roads", top=4)
    assert reasons and all(r["weight"] < 0 for r in reasons)


def test_label_for_is_inclusive_at_the_threshold():
    assert label_for(0.5, 0.5) == "spam"
    assert label_for(np.nextafter(0.5, 0), 0.5) == "ham"


def test_a_dense_signal_reads_as_its_name_and_direction(tiny_corpus):
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1, signals=True)).fit(texts, labels)
    model = SpamModel(pipeline, threshold=0.5)
    reasons = model.explain("visit cashnow.com payday.net moneyfast.org bigwin.io now", top=20)
    signals = [r["ngram"] for r in reasons if r["kind"] == "signal"]
    assert "links: high" in signals


def test_explanations_never_show_pieces_of_marker_words(tiny_corpus):
    model = fitted(tiny_corpus)
    reasons = model.explain("visit cashnow.com www.fastpay.net bigwin.org now", top=40)
    chars = [r["ngram"] for r in reasons if r["kind"] == "char"]
    assert chars
    assert not any(piece in " zzurl " for piece in chars)
