"""The compiled fast scorer gives the pipeline's feature rows and probabilities exactly."""

import json
import sys

import numpy as np
import pytest
from scipy import sparse
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

import winnow
from conftest import corpus_texts, soup
from winnow import fastscore, ngrams, normalize
from winnow.config import ModelConfig
from winnow.errors import ModelIntegrityError
from winnow.fastscore import (
    PROBE_TEXTS,
    SMALL_BATCH,
    TABLES_FILE,
    FastScorer,
    scorer_from_bytes,
    tables_bytes,
    verify,
)
from winnow.features import with_plain_vectorizers
from winnow.model import build_pipeline
from winnow.registry import METADATA_FILE, load_model
from winnow.training import train


@pytest.fixture(scope="module")
def texts(varied_texts) -> list[str]:
    return varied_texts


def assert_same_rows(got, expected) -> None:
    expected = sparse.csr_matrix(expected)
    expected.sort_indices()
    assert got.shape == expected.shape
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)  # bit for bit


def test_feature_rows_and_probabilities_equal_the_plain_pipelines(bundled_model, texts):
    assert len(texts) > 3000
    pipeline = with_plain_vectorizers(bundled_model.pipeline)
    assert_same_rows(bundled_model.features(texts), pipeline[:-1].transform(texts))
    plain = pipeline.predict_proba(texts)[:, 1]
    assert np.max(np.abs(bundled_model.predict_proba(texts) - plain)) <= 1e-9


def test_the_compiled_kernels_and_the_numpy_route_agree(bundled_model, texts):
    pipeline, tables = bundled_model.pipeline, bundled_model.fast().tables
    jit, numpy_route = FastScorer(pipeline, tables), FastScorer(pipeline, tables, jit=False)
    assert jit.fused and not numpy_route.fused  # `make install` brings numba (the fast extra)
    assert_same_rows(jit.features(texts), numpy_route.features(texts))
    plain = with_plain_vectorizers(pipeline).predict_proba(texts)[:, 1]
    assert np.max(np.abs(jit.probabilities(texts) - plain)) <= 1e-9
    assert np.max(np.abs(numpy_route.probabilities(texts) - plain)) <= 1e-9


def test_without_numba_the_scorer_takes_the_numpy_route(bundled_model, texts, monkeypatch):
    for module in (fastscore, ngrams, normalize):
        monkeypatch.setattr(module, "compiled_kernels", lambda: None)
    scorer = FastScorer(bundled_model.pipeline, bundled_model.fast().tables)
    assert not scorer.fused
    assert all(part.kernels is None for part, _ in scorer.parts)
    assert_same_rows(
        scorer.features(texts[:500]), bundled_model.pipeline[:-1].transform(texts[:500])
    )


def test_numba_that_cannot_be_set_up_means_numpy_not_a_crash(monkeypatch, caplog):
    fastscore.compiled_kernels.cache_clear()
    monkeypatch.setitem(sys.modules, "winnow.kernels", None)  # its import now fails
    monkeypatch.delattr(winnow, "kernels", raising=False)
    try:
        assert fastscore.compiled_kernels() is None
    finally:
        fastscore.compiled_kernels.cache_clear()
    assert "compiled kernels unavailable, using the Python and NumPy routes" in caplog.text


@pytest.mark.parametrize("blank", ["", " ", "\t\n", "x"])
def test_batches_without_words_score_as_the_pipeline_does(bundled_model, blank):
    texts = [blank] * (SMALL_BATCH + 1)
    plain = with_plain_vectorizers(bundled_model.pipeline).predict_proba(texts)[:, 1]
    assert np.max(np.abs(bundled_model.predict_proba(texts) - plain)) <= 1e-9
    assert_same_rows(bundled_model.features(texts), bundled_model.pipeline[:-1].transform(texts))


@pytest.mark.parametrize("size", [1, 2, SMALL_BATCH - 1, SMALL_BATCH, 500])
def test_any_batch_size_gives_the_same_rows(bundled_model, texts, size):
    whole = bundled_model.features(texts)
    parts = [bundled_model.features(texts[i : i + size]) for i in range(0, 1200, size)]
    assert_same_rows(sparse.vstack(parts, format="csr"), whole[: sum(p.shape[0] for p in parts)])


def test_explanations_are_those_of_the_pipelines_rows(bundled_model):
    model = bundled_model
    for text in PROBE_TEXTS[:5]:
        row = model.pipeline[:-1].transform([text]).tocsr()
        spam = model.predict([text])[0] == "spam"
        assert model.explain(text) == model.reasons_of(row, spam)


def unguarded(text: str) -> str:
    """The normalisation chain with every rewrite applied, no quick tests."""
    written = normalize.fold_characters(normalize.strip_html(text))
    text = normalize.fold_characters(normalize.strip_html(normalize.mark_anchors(text)))
    for step in normalize._CHAIN:
        text = step.apply(text)
    return normalize.with_length_words([text], [len(written.strip())])[0]


def test_normalisation_fast_paths_change_nothing(texts):
    expected = [unguarded(t) for t in texts]
    assert [normalize.normalize_text(t) for t in texts] == expected
    assert normalize.normalize_texts(texts) == expected
    assert normalize.normalize_texts(texts[::-1]) == expected[::-1]
    assert [normalize.normalize_texts([t])[0] for t in texts] == expected  # small batches


REPEATED = [
    "free " * (fastscore.TF_TABLE + 5),  # a word counted past the term frequency table
    "a" * 3 * fastscore.TF_TABLE,  # character n-grams counted past it
    "cash now " * 40 + "x",
]


def test_explained_rows_are_the_feature_rows(bundled_model, texts):
    for batch in (texts[:1], texts[1:2], texts[100:105], texts[:700], REPEATED, REPEATED[:1]):
        probabilities, rows = bundled_model.explained(batch)
        matrix = bundled_model.features(batch)
        assert len(rows) == matrix.shape[0]
        for i, (columns, values) in enumerate(rows):
            row = matrix[i]
            assert np.array_equal(columns, row.indices) and np.array_equal(values, row.data)
        expected = bundled_model.proba_of(matrix)
        assert np.max(np.abs(probabilities - expected)) <= 1e-12


def test_rows_in_one_call_from_code_points_are_the_rows_part_by_part(bundled_model, texts):
    """The default union's rows and decisions straight from the batch's code points (one
    kernel call) are those of the route through the batch's words, part by part."""
    scorer = bundled_model.fast()
    part_by_part = FastScorer(scorer.pipeline, scorer.tables)
    assert scorer.joined is not None and scorer.joined.word_first
    object.__setattr__(part_by_part, "joined", None)
    for batch in (texts[:1], texts[100:105], texts[::4], REPEATED, ["", " "]):
        docs = scorer.prepare(batch)
        joined, by_parts = scorer._fused_explained(docs), part_by_part._fused_explained(docs)
        assert np.array_equal(joined[0], by_parts[0])  # same sums in the same order
        for name in ("bounds", "columns", "values", "products"):
            assert np.array_equal(getattr(joined[1], name), getattr(by_parts[1], name))


@pytest.mark.parametrize("top", [1, 5, 40])
def test_reasons_picked_by_the_kernel_are_those_picked_in_python(bundled_model, texts, top):
    """Strongest first, ties in row order, one per label, marker pieces skipped."""
    lengths = set()
    for batch in (texts[:3], texts[::5], REPEATED):
        _, rows = bundled_model.explained(batch)
        at = list(range(0, len(rows), 2))
        spam = [i % 3 != 0 for i in at]
        pairs = zip(at, spam, strict=True)
        expected = [bundled_model.reasons_for(rows[i], towards, top) for i, towards in pairs]
        assert bundled_model.reasons_each(rows, at, spam, top) == expected
        lengths |= {len(reasons) for reasons in expected}
    assert {0, top} <= lengths  # rows with none, and rows cut at ``top``


def test_tables_round_trip_through_npz_without_pickle(bundled_model, texts):
    scorer = bundled_model.fast()
    loaded = scorer_from_bytes(bundled_model.pipeline, tables_bytes(scorer.tables))
    assert_same_rows(loaded.features(texts[:500]), scorer.features(texts[:500]))


def broken(scorer: FastScorer) -> FastScorer:
    """The scorer with two vocabulary columns of its character table swapped."""
    table = scorer.tables["chars"]
    columns = table.columns.copy()
    columns[[0, 1]] = columns[[1, 0]]
    tables = {**scorer.tables, "chars": type(table)(**{**table.__dict__, "columns": columns})}
    return FastScorer(scorer.pipeline, tables)


def test_a_scorer_that_differs_from_its_pipeline_is_refused(bundled_model):
    with pytest.raises(ModelIntegrityError, match="differ from the pipeline"):
        verify(broken(bundled_model.fast()), corpus_texts())


def test_training_refuses_a_model_whose_tables_fail_verification(
    tmp_path, tiny_config, monkeypatch
):
    compile_ = FastScorer.compile.__func__
    monkeypatch.setattr(
        FastScorer, "compile", classmethod(lambda cls, pipeline: broken(compile_(cls, pipeline)))
    )
    with pytest.raises(ModelIntegrityError):
        train(tiny_config, tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]


@pytest.fixture
def tiny_models(tmp_path, tiny_config):
    return tmp_path, train(tiny_config, tmp_path).version


def test_saved_tables_are_hash_checked_before_loading(tiny_models):
    models, version = tiny_models
    path = models / version / TABLES_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="SHA-256 does not match"):
        load_model(models)


def test_a_version_saved_without_tables_compiles_them_on_load(tiny_models):
    models, version = tiny_models
    with_tables = load_model(models)
    metadata_path = models / version / METADATA_FILE
    metadata = json.loads(metadata_path.read_text())
    del metadata["artifacts"][TABLES_FILE]
    metadata_path.write_text(json.dumps(metadata))
    (models / version / TABLES_FILE).unlink()
    old = load_model(models)
    texts = corpus_texts()[:300]
    assert old.scorer is not None and set(old.scorer.tables) == {"words", "chars"}
    assert np.array_equal(old.predict_proba(texts), with_tables.predict_proba(texts))


def lengths(texts) -> np.ndarray:
    return np.array([[len(t), t.count("!")] for t in texts], dtype=float)


def test_other_transformers_in_the_union_use_their_own_transform(tiny_corpus, tmp_path):
    pipeline = build_pipeline(ModelConfig(char_min_df=1))
    union: FeatureUnion = pipeline.named_steps["features"]
    union.transformer_list.append(("signals", FunctionTransformer(lengths)))
    union.transformer_weights = {"signals": 0.01}
    texts, labels = tiny_corpus
    pipeline.fit(texts, labels)
    scorer = FastScorer.compile(pipeline)
    assert set(scorer.tables) == {"words", "chars"}
    probe = [*texts, *PROBE_TEXTS, *soup(200)]
    verify(scorer, probe)
    assert_same_rows(scorer.features(probe), pipeline[:-1].transform(probe))


@pytest.mark.parametrize("binary", [True, False])
def test_binary_and_counted_word_parts_compile_to_the_pipelines_rows(tiny_corpus, binary):
    texts, labels = tiny_corpus
    pipeline = build_pipeline(ModelConfig(char_min_df=1, word_binary=binary)).fit(texts, labels)
    repeated = ["cash cash cash now now bitcoin bitcoin bitcoin bitcoin", "the the the bridge"]
    probe = [*texts, *PROBE_TEXTS, *repeated, *soup(200)]
    plain = with_plain_vectorizers(pipeline)
    for jit in (True, False):
        scorer = FastScorer(pipeline, FastScorer.compile(pipeline).tables, jit=jit)
        assert set(scorer.tables) == {"words", "chars"} and scorer.fused == jit
        verify(scorer, probe)
        assert_same_rows(scorer.features(probe), plain[:-1].transform(probe))
        got = scorer.probabilities(probe)
        assert np.max(np.abs(got - plain.predict_proba(probe)[:, 1])) <= 1e-9
    words = plain.named_steps["features"].transformer_list[0][1]
    rows = words.transform(["bitcoin bitcoin bitcoin casino", "bitcoin casino"]).toarray()
    assert {"bitcoin", "casino"} <= set(words.vocabulary_)
    assert np.array_equal(rows[0], rows[1]) == binary  # binary: a repeat counts once


def test_a_pipeline_of_unsupported_options_falls_back_exactly(tiny_corpus):
    pipeline: Pipeline = build_pipeline(ModelConfig(char_min_df=1))
    pipeline.named_steps["features"].transformer_list[1][1].set_params(lowercase=True)
    texts, labels = tiny_corpus
    pipeline.fit(texts, labels)
    scorer = FastScorer.compile(pipeline)
    assert set(scorer.tables) == {"words"}
    verify(scorer, [*texts, *PROBE_TEXTS])
