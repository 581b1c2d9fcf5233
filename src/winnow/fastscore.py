"""Fast scoring: the fitted pipeline's feature rows and probabilities, a batch at a time.

scikit-learn's ``TfidfVectorizer`` builds every n-gram as a Python string and looks
it up in a dict, one at a time; for character n-grams that is most of the cost of
scoring. Here each fitted TF-IDF part of the pipeline is *compiled* into a table:
its vocabulary with every n-gram packed into one 64-bit key (the ids of its
characters or tokens, ``bits`` bits each), sorted. Scoring a batch then packs
all of the batch's n-grams with NumPy, finds them with one ``searchsorted``, and
weights the counts exactly as the fitted vectorizer does (same operations, same
order), so the feature rows are the pipeline's, bit for bit.

Character n-grams never cross a word (``char_wb``), so they are computed once
per distinct word of the batch, and a document's counts are its word counts
times the words' n-gram counts (one sparse product).

With numba installed, :mod:`winnow.kernels` does the packing, looking up and
counting in compiled loops instead (same counts, same rows), and
:meth:`FastScorer.probabilities` goes straight from the counts to the
probabilities without building feature rows at all. For the default union (one
word part, one ``char_wb`` part), :meth:`FastScorer.explained` gets both parts'
rows in one kernel call from the batch's code points (:class:`_Joined`).

Any other transformer in the feature union (or a TF-IDF part with options this
module does not reproduce) runs its own ``transform``. Tables are built when a
model is trained, checked against the pipeline on a sample (:func:`verify`),
and saved next to it as ``fastscore.npz`` (plain arrays, loaded without
pickle); a model saved without them compiles them when loaded.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from winnow.compiled import compiled_kernels
from winnow.errors import ModelIntegrityError
from winnow.ngrams import KEY_BITS, PLAIN_ANALYZER, WORD_TOKEN_PATTERN, Words, token_stream

TABLES_FILE = "fastscore.npz"
TABLES_FORMAT = 1
ROW_NORMS = ("l2", "l1")
SAFE_VECTORIZER_OPTIONS = {**PLAIN_ANALYZER, "dtype": np.float64}


@dataclass(frozen=True)
class NgramTable:
    """One vectorizer's vocabulary as sorted packed keys.

    ``units`` are the characters (``char_wb``) or tokens (``word``) that occur
    in the vocabulary, with ids from 1; a unit outside it gets id 0, and no
    n-gram holding a 0 is looked up, so nothing outside the vocabulary can match.
    """

    analyzer: str
    ngram_range: tuple[int, int]
    units: dict[str, int]
    bits: int
    keys: np.ndarray
    columns: np.ndarray
    token_pattern: str | None = None


def supports(vectorizer: Any) -> bool:
    """Whether :class:`NgramTable` reproduces this fitted vectorizer exactly."""
    if not isinstance(vectorizer, TfidfVectorizer) or vectorizer.analyzer not in (
        "word",
        "char_wb",
    ):
        return False
    if vectorizer.norm not in (*ROW_NORMS, None):
        return False
    params = vectorizer.get_params()
    return all(params[name] == value for name, value in SAFE_VECTORIZER_OPTIONS.items())


def compile_table(vectorizer: TfidfVectorizer) -> NgramTable | None:
    """The packed vocabulary of a supported vectorizer (None when keys would not fit)."""
    terms = vectorizer.vocabulary_
    split = _char_units if vectorizer.analyzer == "char_wb" else _token_units(vectorizer)
    grams = {term: split(term) for term in terms}
    if any(units is None for units in grams.values()):
        return None
    units = {u: i + 1 for i, u in enumerate(sorted({u for us in grams.values() for u in us}))}
    bits = max(1, len(units).bit_length())
    if bits * max(len(us) for us in grams.values()) > KEY_BITS:
        return None
    keys = np.array([_pack([units[u] for u in grams[t]], bits) for t in terms], np.uint64)
    columns = np.fromiter(terms.values(), np.int64, len(terms))
    order = np.argsort(keys)
    pattern = vectorizer.token_pattern if vectorizer.analyzer == "word" else None
    return NgramTable(
        vectorizer.analyzer,
        tuple(vectorizer.ngram_range),
        units,
        bits,
        keys[order],
        columns[order],
        pattern,
    )


def _char_units(term: str) -> list[str]:
    return list(term)


def _token_units(vectorizer: TfidfVectorizer) -> Any:
    """Splits a word n-gram into its tokens, or None if the split is ambiguous
    (a token pattern that can match a space)."""
    pattern = re.compile(vectorizer.token_pattern)

    def split(term: str) -> list[str] | None:
        tokens = term.split(" ")
        return tokens if pattern.findall(term) == tokens else None

    return split


def _pack(ids: Sequence[int], bits: int) -> int:
    key = 0
    for unit in ids:
        key = (key << bits) | unit
    return key


TF_TABLE = 1024  # term frequencies kept ready, by count (a table grows for larger counts)
SMALL_BATCH = 64  # below this many documents, counting every word beats sharing distinct ones


Row = tuple[np.ndarray, np.ndarray]  # one feature row's columns and values
# A part's rows as a kernel gives them: CSR indptr, columns and values, each value times
# its column's coefficient, and each row's dot with the coefficients.
RowBlock = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Entries:
    """A sparse block as sorted (row, column) entries: the form the parts are
    combined in, with one CSR construction at the end (scipy's constructors cost
    more than the arithmetic for a single comment)."""

    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]


class _Compiled:
    """A compiled TF-IDF part: n-gram counts from its table, weighted like the vectorizer."""

    def __init__(self, vectorizer: TfidfVectorizer, table: NgramTable, jit: bool = True) -> None:
        if not supports(vectorizer) or not _fits(table, vectorizer):
            raise ModelIntegrityError(f"{TABLES_FILE}: a table does not match its vectorizer")
        self.vectorizer = vectorizer
        self.table = table
        self.n_features = len(vectorizer.vocabulary_)
        self.pattern = re.compile(table.token_pattern) if table.token_pattern else None
        self.char_ids = _char_lookup(table.units) if table.analyzer == "char_wb" else None
        self.kernels = compiled_kernels() if jit else None
        self.hashed = self.kernels.hash_table(table.keys, table.columns) if self.kernels else None
        # The kernels' view of the weighting: idf per column, and the norm as 2, 1 or 0.
        self.idf = vectorizer.idf_ if vectorizer.use_idf else np.ones(self.n_features)
        self.norm = {"l2": 2, "l1": 1, None: 0}[vectorizer.norm]
        self.tf: np.ndarray | None = None
        # Rows straight from a batch's code points: a char_wb part, or a word part whose
        # tokens the kernels find by hand (winnow.ngrams.WORD_TOKEN_PATTERN).
        by_hand = table.token_pattern in (None, WORD_TOKEN_PATTERN)
        self.from_points = self.kernels is not None and by_hand
        self.units = (
            self.kernels.unit_index(list(table.units))
            if self.from_points and self.pattern is not None
            else None
        )

    def entries(self, docs: Sequence[str], words: Words) -> Entries:
        if self.kernels is not None:
            return tfidf_weights(self.vectorizer, self._kernel_counts(docs, words))
        if self.pattern is not None:
            counts = self._word_counts(docs, words)
        elif len(docs) < SMALL_BATCH:
            counts = self._char_counts_small(words)
        else:
            counts = self._char_counts(words)
        return tfidf_weights(self.vectorizer, counts)

    def decision(self, docs: Sequence[str], words: Words, coef: np.ndarray) -> np.ndarray:
        """Each document's TF-IDF row dotted with ``coef`` (the classifier's weights of
        this part's columns), computed by the kernels without building the rows."""
        groups = self._groups(docs, words)
        dots, norms = self.kernels.doc_scores(
            groups, self.idf, coef, self.vectorizer.sublinear_tf, self.vectorizer.binary, self.norm
        )
        return dots / norms

    def rows(self, docs: Sequence[str], words: Words, coef: np.ndarray) -> RowBlock:
        """Each document's TF-IDF row as CSR parts (indptr, columns, values), the same
        entries as :meth:`entries`, and the row dotted with ``coef``; one kernel call."""
        groups = self._groups(docs, words)
        while True:
            tf = self._term_frequencies()
            *block, largest = self.kernels.doc_rows(groups, tf, self.idf, coef, self.norm)
            if largest <= len(tf):
                return tuple(block)
            self._term_frequencies(largest)

    def kernel_part(self, coef: np.ndarray) -> tuple:
        """This part as :func:`winnow.kernels.joined_rows` reads it, weighted with
        ``coef``; only where :attr:`from_points` says the kernels can."""
        table, weights = self.table, (self._term_frequencies(), self.idf, coef, self.norm)
        if self.pattern is None:
            space = table.units.get(" ", 0)
            return self.kernels.char_part(
                self.char_ids, space, table.ngram_range, table.bits, self.hashed, weights
            )
        return self.kernels.word_part(
            self.units, table.ngram_range, table.bits, self.hashed, weights
        )

    def _term_frequencies(self, largest: int = TF_TABLE) -> np.ndarray:
        """Term frequency by count (``tf[count - 1]``) for counts up to at least
        ``largest``, computed by NumPy as :func:`tfidf_weights` computes them."""
        if self.tf is None or len(self.tf) < largest:
            counts = np.arange(1, max(largest, TF_TABLE) + 1, dtype=np.float64)
            if self.vectorizer.binary:
                counts[:] = 1.0
            if self.vectorizer.sublinear_tf:
                np.log(counts, counts)
                counts += 1.0
            self.tf = counts
        return self.tf

    def _kernel_counts(self, docs: Sequence[str], words: Words) -> Entries:
        indptr, columns, counts = self.kernels.doc_counts(
            self._groups(docs, words), self.n_features
        )
        rows = np.repeat(np.arange(len(docs)), np.diff(indptr))
        return Entries(rows, columns, counts, (len(docs), self.n_features))

    def _groups(self, docs: Sequence[str], words: Words) -> tuple:
        """What the kernels count from: (doc_ptr, items, item_ptr, item_columns), a
        document's columns being those of its items: its words' character n-grams
        (found once per distinct word), or its own token n-grams."""
        table = self.table
        if self.pattern is None:
            item_ptr, columns = self.kernels.char_wb_columns(
                words.distinct, self.char_ids, table.units.get(" ", 0), self.hashed,
                table.ngram_range, table.bits,
            )  # fmt: skip
            return words.indptr(), words.ids, item_ptr, columns
        ids, lengths = self._document_tokens(docs, words)
        item_ptr, columns = self.kernels.word_ngram_columns(
            ids, lengths, self.hashed, table.ngram_range, table.bits
        )
        every = np.arange(len(docs) + 1)
        return every, every[:-1], item_ptr, columns

    def _word_counts(self, docs: Sequence[str], words: Words) -> Entries:
        """Token n-grams within each document (sklearn's ``word`` analyzer)."""
        ids, lengths = self._document_tokens(docs, words)
        rows, columns = ngram_hits(self.table, ids, lengths, whole_short=False)
        return _counted(rows, columns, (len(docs), self.n_features))

    def _document_tokens(self, docs: Sequence[str], words: Words) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of the documents, one after another, and how many each has."""
        tokens, take, lengths = token_stream(docs, words, self.pattern)
        return self._token_ids(tokens)[take], lengths

    def _token_ids(self, tokens: list[str]) -> np.ndarray:
        return np.fromiter(map(self.table.units.get, tokens, repeat(0)), np.uint64, len(tokens))

    def _char_ids(self, words: Sequence[str]) -> np.ndarray:
        """Character ids of the words, each padded with a space on either side."""
        points = np.frombuffer(
            "".join(f" {w} " for w in words).encode("utf-32-le", "surrogatepass"), np.uint32
        )
        return self.char_ids[np.minimum(points, len(self.char_ids) - 1)]

    def _char_counts_small(self, words: Words) -> Entries:
        """Character n-grams of every word of a few documents (sklearn's ``char_wb``)."""
        every = [words.distinct[i] for i in words.ids.tolist()]
        lengths = np.fromiter(map(len, every), np.int64, len(every)) + 2
        segments, columns = ngram_hits(self.table, self._char_ids(every), lengths, True)
        rows = words.doc_of_each()[segments]
        return _counted(rows, columns, (len(words.per_doc), self.n_features))

    def _char_counts(self, words: Words) -> Entries:
        """Character n-grams of each distinct word, summed over the words of each
        document (one sparse product)."""
        lengths = np.fromiter(map(len, words.distinct), np.int64, len(words.distinct)) + 2
        segments, columns = ngram_hits(self.table, self._char_ids(words.distinct), lengths, True)
        per_word = sparse.csr_matrix(
            (np.ones(len(segments), np.int64), (segments, columns)),
            shape=(len(words.distinct), self.n_features),
        )
        in_doc = sparse.csr_matrix(
            (
                np.ones(len(words.ids), np.int64),
                words.ids,
                words.indptr(),
            ),
            shape=(len(words.per_doc), len(words.distinct)),
        )
        counts = in_doc @ per_word
        counts.sum_duplicates()
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        return Entries(rows, counts.indices.astype(np.int64), counts.data, counts.shape)


def _fits(table: NgramTable, vectorizer: TfidfVectorizer) -> bool:
    """Whether a (loaded) table can belong to this vectorizer at all."""
    pattern = vectorizer.token_pattern if vectorizer.analyzer == "word" else None
    return (
        table.analyzer == vectorizer.analyzer
        and table.ngram_range == tuple(vectorizer.ngram_range)
        and table.token_pattern == pattern
        and len(table.keys) == len(table.columns) == len(vectorizer.vocabulary_)
        and bool(np.all(np.diff(table.keys.astype(np.int64)) > 0))
    )


def _char_lookup(units: dict[str, int]) -> np.ndarray:
    """Character id by code point; the last slot (id 0) catches every larger code point."""
    points = np.array([ord(u) for u in units], np.int64)
    lookup = np.zeros(points.max() + 2, np.uint64)
    lookup[points] = np.fromiter(units.values(), np.uint64, len(units))
    return lookup


def ngram_hits(
    table: NgramTable, ids: np.ndarray, lengths: np.ndarray, whole_short: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(segment, column) of every vocabulary n-gram inside each segment of ``ids``.

    Segments are consecutive runs of ``lengths`` units (words of a document, or
    characters of a padded word); n-grams never cross them. ``whole_short`` is
    ``char_wb``'s rule: a segment shorter than the smallest n is one n-gram.
    """
    low, high = table.ngram_range
    segment = np.repeat(np.arange(len(lengths)), lengths)
    left = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(ids))  # units to segment end
    unknown = np.concatenate([[0], np.cumsum(ids == 0)])
    keys, starts, found = ids.copy(), np.arange(len(ids)), []
    for n in range(1, high + 1):
        if n > 1:
            keys = (keys[:-1] << np.uint64(table.bits)) | ids[n - 1 :]
            starts = starts[:-1]
        if n >= low:
            inside = left[starts] >= n
        elif whole_short:
            inside = (left[starts] == n) & (lengths[segment[starts]] == n)
        else:
            continue
        inside &= unknown[starts + n] == unknown[starts]
        found.append((starts[inside], keys[inside]))
    return _look_up(table, segment, found)


def _look_up(
    table: NgramTable, segment: np.ndarray, found: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray]:
    """The segments and columns of the candidate n-grams that are in the vocabulary."""
    starts = np.concatenate([s for s, _ in found]) if found else np.zeros(0, np.int64)
    keys = np.concatenate([k for _, k in found]) if found else np.zeros(0, np.uint64)
    at = np.minimum(np.searchsorted(table.keys, keys), len(table.keys) - 1)
    hit = table.keys[at] == keys
    return segment[starts[hit]], table.columns[at[hit]]


def _counted(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> Entries:
    """Each distinct (row, column) once, in order, with how often it occurs."""
    cells, counts = np.unique(rows * shape[1] + columns, return_counts=True)
    return Entries(cells // shape[1], cells % shape[1], counts, shape)


def tfidf_weights(vectorizer: TfidfVectorizer, counts: Entries) -> Entries:
    """``TfidfTransformer.transform`` of the vectorizer, operation for operation (so
    the values are the same to the last bit), on the entries; a ``binary`` vectorizer
    counts each n-gram present once."""
    values = counts.values.astype(np.float64)
    if vectorizer.binary:
        values[:] = 1.0
    if vectorizer.sublinear_tf:
        np.log(values, values)
        values += 1.0
    if vectorizer.use_idf:
        values *= vectorizer.idf_[counts.columns]
    if vectorizer.norm == "l2":
        norms = np.sqrt(np.bincount(counts.rows, values * values, counts.shape[0]))
        values /= norms[counts.rows]
    elif vectorizer.norm == "l1":
        values /= np.bincount(counts.rows, np.abs(values), counts.shape[0])[counts.rows]
    return Entries(counts.rows, counts.columns, values, counts.shape)


@dataclass(frozen=True, eq=False)
class Prepared:
    """Texts already through the steps before the features (the normalisation): a
    comment scored and then explained is cleaned once, not twice. ``docs`` is what
    :meth:`FastScorer.prepare` returns (a list or an object array), read by position."""

    docs: Sequence[str]

    def __len__(self) -> int:
        return len(self.docs)

    def take(self, indices: Sequence[int]) -> Prepared:
        """The texts at these positions, still prepared."""
        return Prepared([self.docs[i] for i in indices])


Texts = Sequence[str] | Prepared


class FastScorer:
    """The fitted pipeline's ``transform`` up to the classifier, and its probabilities.

    Built from the pipeline and the tables of its TF-IDF parts; a part without a
    table (another kind of transformer) runs its own ``transform``.
    """

    def __init__(self, pipeline: Pipeline, tables: dict[str, NgramTable], jit: bool = True) -> None:
        parts = feature_parts(pipeline)
        if set(tables) - {name for name, _, _ in parts}:
            raise ModelIntegrityError(f"{TABLES_FILE}: tables for parts the pipeline lacks")
        self.pipeline = pipeline
        self.tables = tables
        self.before = [step for _, step in pipeline.steps[:-2]]
        self.parts = [
            (_Compiled(part, tables[name], jit) if name in tables else part, weight)
            for name, part, weight in parts
        ]
        self.linear = _sigmoid_linear(pipeline.steps[-1][1])
        self.fused = self.linear is not None and all(
            isinstance(part, _Compiled) and part.kernels is not None for part, _ in self.parts
        )
        self.joined = _Joined.of(self) if self.fused else None

    @classmethod
    def compile(cls, pipeline: Pipeline) -> FastScorer:
        """A scorer whose tables are compiled now from ``pipeline``."""
        return cls(pipeline, compile_tables(pipeline))

    def features(self, texts: Texts) -> sparse.csr_matrix:
        """The rows ``pipeline[:-1].transform(texts)`` gives, computed a batch at a time."""
        return self.featurize(self.prepare(texts))

    def prepare(self, texts: Texts) -> Any:
        """The steps before the features (normalisation), as the pipeline runs them."""
        if isinstance(texts, Prepared):
            return texts.docs
        docs: Any = list(texts)
        for step in self.before:
            docs = step.transform(docs)
        return docs

    def featurize(self, docs: Sequence[str]) -> sparse.csr_matrix:
        """The feature rows of prepared documents."""
        return _stacked(self._blocks(docs))

    def _blocks(self, docs: Sequence[str]) -> list[Entries]:
        """Each feature part's block of the documents' rows, as entries."""
        words = Words.of(docs)
        return [_entries_of(part, docs, words, weight) for part, weight in self.parts]

    def probabilities(self, texts: Texts) -> np.ndarray:
        """``pipeline.predict_proba(texts)[:, 1]``: with the kernels and a linear
        classifier, straight from the n-gram counts (no feature rows are built; the
        sums run in another order, so results may differ in the last bits)."""
        return self.prepared_probabilities(self.prepare(texts))

    def prepared_probabilities(self, docs: Sequence[str]) -> np.ndarray:
        """:meth:`probabilities` of documents already through :meth:`prepare`."""
        if not self.fused:
            return self.proba(self.featurize(docs))
        coef, intercept, a, b = self.linear
        words, decision, offset = Words.of(docs), np.full(len(docs), intercept), 0
        for part, weight in self.parts:
            columns = coef[offset : offset + part.n_features]
            decision += (1.0 if weight is None else weight) * part.decision(docs, words, columns)
            offset += part.n_features
        return expit(-(a * decision + b))

    def proba(self, rows: sparse.csr_matrix) -> np.ndarray:
        """The classifier's probability of its second class (spam) for each row."""
        if self.linear is None:
            return self.pipeline.steps[-1][1].predict_proba(rows)[:, 1]
        coef, intercept, a, b = self.linear
        return expit(-(a * (rows @ coef + intercept) + b))

    def explained(self, texts: Texts) -> tuple[np.ndarray, Sequence[Row]]:
        """:meth:`probabilities` and each text's feature row as (columns, values): the
        entries of :meth:`features`' rows, in the same order, with no sparse matrix
        built (for the one comment of a service check, scipy's constructors cost more
        than the arithmetic)."""
        docs = self.prepare(texts)
        if self.fused:
            return self._fused_explained(docs)
        blocks = self._blocks(docs)
        if self.linear is None:
            return self.proba(_stacked(blocks)), _rows_of(blocks)
        coef, intercept, a, b = self.linear
        rows = _rows_of(blocks)
        decision = np.fromiter((v @ coef[c] for c, v in rows), np.float64, len(rows))
        return expit(-(a * (decision + intercept) + b)), rows

    def _fused_explained(self, docs: Sequence[str]) -> tuple[np.ndarray, Rows]:
        """:meth:`explained` from one kernel call per part, which gives a part's rows
        and their dot with the classifier's weights together (or one call for all, see
        :class:`_Joined`)."""
        if self.joined is not None:
            return self.joined.explained(docs, self.linear)
        coef, intercept, a, b = self.linear
        decision, offset, blocks, words = np.full(len(docs), intercept), 0, [], Words.of(docs)
        for part, weight in self.parts:
            weights = coef[offset : offset + part.n_features]
            indptr, columns, values, products, dots = part.rows(docs, words, weights)
            if weight is not None:
                values, dots = values * weight, dots * weight
                products = values * weights[columns]
            decision += dots
            blocks.append((indptr, columns + offset, values, products))
            offset += part.n_features
        return expit(-(a * decision + b)), Rows.side_by_side(blocks)


@dataclass(frozen=True)
class _Joined:
    """A feature union of one word part and one char_wb part, unweighted, both of
    which the kernels read straight from a batch's code points: their rows and the
    decisions come from one kernel call (:func:`winnow.kernels.joined_rows`), with no
    words, blocks or sums handled in Python. The default model is such a union."""

    word: _Compiled
    char: _Compiled
    word_first: bool
    offsets: tuple[int, int]  # the word part's first column, the char part's
    word_coef: np.ndarray
    char_coef: np.ndarray

    @classmethod
    def of(cls, scorer: FastScorer) -> _Joined | None:
        parts = [part for part, weight in scorer.parts if weight is None]
        if len(parts) != 2 or len(scorer.parts) != 2 or not all(p.from_points for p in parts):
            return None
        first, second = parts
        if (first.pattern is None) == (second.pattern is None):
            return None
        word_first = first.pattern is not None
        word, char = (first, second) if word_first else (second, first)
        offsets = (0, first.n_features) if word_first else (first.n_features, 0)
        coef = scorer.linear[0]
        word_coef = coef[offsets[0] : offsets[0] + word.n_features]
        char_coef = coef[offsets[1] : offsets[1] + char.n_features]
        return cls(word, char, word_first, offsets, word_coef, char_coef)

    def explained(self, docs: Sequence[str], linear: tuple) -> tuple[np.ndarray, Rows]:
        """Probabilities and rows of prepared documents (see :meth:`FastScorer.explained`)."""
        _, intercept, a, b = linear
        kernels = self.word.kernels
        _, points, ends = kernels.batch_points(list(docs))
        while True:
            word = self.word.kernel_part(self.word_coef)
            char = self.char.kernel_part(self.char_coef)
            *found, word_largest, char_largest = kernels.joined_rows(
                points, ends, word, char, self.word_first, self.offsets, intercept
            )
            if word_largest <= len(self.word.tf) and char_largest <= len(self.char.tf):
                break
            self.word._term_frequencies(word_largest)
            self.char._term_frequencies(char_largest)
        bounds, columns, values, products, decision = found
        return expit(-(a * decision + b)), Rows(columns, values, products, bounds)


@dataclass(frozen=True, eq=False)
class Rows(Sequence[Row]):
    """Feature rows kept as the parts' blocks: ``columns`` and ``values`` hold every
    part's entries, part after part, and row ``r``'s entries of part ``p`` are
    ``bounds[p, r]:bounds[p, r + 1]``; ``products`` are the values times the
    classifier's coefficients of their columns. A row, read by position, is its
    entries of each part after the earlier parts' (as :func:`_stacked` places them);
    the compiled reasons read the blocks as they are."""

    columns: np.ndarray
    values: np.ndarray
    products: np.ndarray
    bounds: np.ndarray

    @classmethod
    def side_by_side(cls, blocks: list[tuple[np.ndarray, ...]]) -> Rows:
        """The rows of the parts' CSR blocks (indptr, columns, values, products)."""
        bounds, start = np.empty((len(blocks), len(blocks[0][0])), np.int64), 0
        for p, (indptr, columns, *_) in enumerate(blocks):
            np.add(indptr, start, out=bounds[p])
            start += len(columns)
        columns, values, products = (np.concatenate([b[i] for b in blocks]) for i in (1, 2, 3))
        return cls(columns, values, products, bounds)

    def __len__(self) -> int:
        return self.bounds.shape[1] - 1

    def __getitem__(self, r: Any) -> Any:
        if isinstance(r, slice):
            return [self[i] for i in range(len(self))[r]]
        if not -len(self) <= r < len(self):
            raise IndexError(r)
        r %= len(self)
        spans = [slice(start, end) for start, end in self.bounds[:, r : r + 2].tolist()]
        return (
            np.concatenate([self.columns[s] for s in spans]),
            np.concatenate([self.values[s] for s in spans]),
        )


def _entries_of(part: Any, docs: Any, words: Words, weight: float | None) -> Entries:
    """A part's block as entries: compiled, or from its own ``transform``."""
    if isinstance(part, _Compiled):
        block = part.entries(docs, words)
    else:
        matrix = sparse.coo_matrix(part.transform(docs))
        matrix.sum_duplicates()
        block = Entries(matrix.row, matrix.col, matrix.data, matrix.shape)
    if weight is None:
        return block
    return Entries(block.rows, block.columns, block.values * weight, block.shape)


def _rows_of(blocks: list[Entries]) -> list[Row]:
    """Each row's (columns, values), the blocks side by side as :func:`_stacked` places
    them: a row's entries of each block after the earlier blocks'."""
    offsets = np.cumsum([0, *(b.shape[1] for b in blocks[:-1])])
    rows = np.concatenate([b.rows for b in blocks])
    columns = np.concatenate([b.columns + o for b, o in zip(blocks, offsets, strict=True)])
    values = np.concatenate([b.values for b in blocks])
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(blocks[0].shape[0] + 1)).tolist()
    columns, values = columns[order], values[order]
    return [(columns[s:e], values[s:e]) for s, e in pairwise(bounds)]


def _stacked(blocks: list[Entries]) -> sparse.csr_matrix:
    """The blocks side by side (``FeatureUnion``'s ``hstack``) as one CSR matrix: each
    block's entries of a row are placed after the earlier blocks' (no sorting)."""
    n_rows, n_columns = blocks[0].shape[0], sum(b.shape[1] for b in blocks)
    per_row = [np.bincount(b.rows, minlength=n_rows) for b in blocks]
    indptr = np.concatenate([[0], np.cumsum(np.sum(per_row, axis=0))])
    index_type = np.int32 if max(indptr[-1], n_columns) < 2**31 else np.int64
    values, columns = np.empty(indptr[-1]), np.empty(indptr[-1], index_type)
    filled, offset = indptr[:-1].copy(), 0
    for block, counts in zip(blocks, per_row, strict=True):
        first = np.cumsum(counts) - counts  # where each row starts in the block
        at = filled[block.rows] + np.arange(len(block.rows)) - first[block.rows]
        values[at], columns[at] = block.values, block.columns + offset
        filled += counts
        offset += block.shape[1]
    return sparse.csr_matrix(
        (values, columns, indptr.astype(index_type)), shape=(n_rows, n_columns)
    )


def feature_parts(pipeline: Pipeline) -> list[tuple[str, Any, float | None]]:
    """(name, transformer, weight) of the feature step's parts: a ``FeatureUnion``'s
    transformers, or the step itself."""
    name, step = pipeline.steps[-2]
    if not isinstance(step, FeatureUnion) or any(
        part == "passthrough" for _, part in step.transformer_list
    ):
        return [(name, step, None)]
    weights = step.transformer_weights or {}
    return [(n, part, weights.get(n)) for n, part in step.transformer_list if part != "drop"]


def compile_tables(pipeline: Pipeline) -> dict[str, NgramTable]:
    """Tables for every TF-IDF part this module reproduces exactly."""
    tables = {}
    for name, part, _ in feature_parts(pipeline):
        table = compile_table(part) if supports(part) else None
        if table is not None:
            tables[name] = table
    return tables


def _sigmoid_linear(classifier: Any) -> tuple[np.ndarray, float, float, float] | None:
    """(coef, intercept, a, b) of a sigmoid-calibrated binary linear model fitted once
    (``ensemble=False``), whose probability is ``expit(-(a * (x . coef + intercept) + b))``;
    None for any other classifier, which then answers itself."""
    fitted = getattr(classifier, "calibrated_classifiers_", None)
    if classifier.__class__.__name__ != "CalibratedClassifierCV" or fitted is None:
        return None
    if len(fitted) != 1 or len(classifier.classes_) != 2 or classifier.method != "sigmoid":
        return None
    estimator, calibrator = fitted[0].estimator, fitted[0].calibrators[0]
    if not isinstance(estimator, LogisticRegression) or not hasattr(calibrator, "a_"):
        return None
    coef = np.ascontiguousarray(estimator.coef_[0], dtype=np.float64)
    return coef, float(estimator.intercept_[0]), float(calibrator.a_), float(calibrator.b_)


def tables_to_arrays(tables: dict[str, NgramTable]) -> dict[str, np.ndarray]:
    """The tables as plain arrays for ``np.savez`` (loadable with ``allow_pickle=False``):
    a JSON manifest, and per part its units (UTF-32 code points and lengths), keys
    and columns."""
    manifest = {"format": TABLES_FORMAT, "parts": []}
    arrays: dict[str, np.ndarray] = {}
    for i, (name, table) in enumerate(tables.items()):
        manifest["parts"].append(
            {
                "name": name,
                "analyzer": table.analyzer,
                "ngram_range": list(table.ngram_range),
                "bits": table.bits,
                "token_pattern": table.token_pattern,
            }
        )
        units = list(table.units)  # in id order
        arrays[f"{i}.units"] = np.frombuffer(
            "".join(units).encode("utf-32-le", "surrogatepass"), np.uint32
        )
        arrays[f"{i}.unit_lengths"] = np.fromiter(map(len, units), np.int64, len(units))
        arrays[f"{i}.keys"], arrays[f"{i}.columns"] = table.keys, table.columns
    arrays["manifest"] = np.frombuffer(json.dumps(manifest).encode(), np.uint8)
    return arrays


def tables_from_arrays(arrays: Any) -> dict[str, NgramTable]:
    """The tables saved by :func:`tables_to_arrays`."""
    manifest = json.loads(bytes(arrays["manifest"]).decode())
    if manifest.get("format") != TABLES_FORMAT:
        raise ModelIntegrityError(f"{TABLES_FILE}: unknown format {manifest.get('format')!r}")
    tables = {}
    for i, part in enumerate(manifest["parts"]):
        text = arrays[f"{i}.units"].tobytes().decode("utf-32-le", "surrogatepass")
        ends = np.cumsum(arrays[f"{i}.unit_lengths"]).tolist()
        units = [text[start:end] for start, end in zip([0, *ends], ends, strict=False)]
        tables[part["name"]] = NgramTable(
            part["analyzer"],
            tuple(part["ngram_range"]),
            {unit: n + 1 for n, unit in enumerate(units)},
            int(part["bits"]),
            arrays[f"{i}.keys"].astype(np.uint64),
            arrays[f"{i}.columns"].astype(np.int64),
            part["token_pattern"],
        )
    return tables


def verify(scorer: FastScorer, texts: Sequence[str]) -> None:
    """Refuse a scorer whose feature rows or probabilities differ from its pipeline's.

    The feature rows must be identical (same entries, same values), both those of
    :meth:`FastScorer.featurize` and those :meth:`FastScorer.explained` gives for
    reasons; the probabilities within 1e-9 (the dot product may sum in another order).
    Every kernel a check uses is compiled here, at load, not on a first request.
    """
    texts = list(texts)
    expected = scorer.pipeline[:-1].transform(texts)
    docs = scorer.prepare(texts)
    got = scorer.featurize(docs)
    if got.shape != expected.shape or (sparse.csr_matrix(expected) != got).nnz:
        raise ModelIntegrityError(
            "the compiled fast scorer's features differ from the pipeline's; refusing the model"
        )
    explained, rows = scorer.explained(Prepared(docs))
    if any(not _same_row(row, got, i) for i, row in enumerate(rows)):
        raise ModelIntegrityError(
            "the compiled fast scorer's explained rows differ from its features; refusing the model"
        )
    plain = scorer.pipeline.predict_proba(texts)[:, 1]
    fast = [scorer.proba(got), scorer.prepared_probabilities(docs), explained]
    if len(texts) and max(np.max(np.abs(f - plain)) for f in fast) > 1e-9:
        raise ModelIntegrityError(
            "the compiled fast scorer's probabilities differ from the pipeline's; "
            "refusing the model"
        )


def _same_row(row: Row, matrix: sparse.csr_matrix, i: int) -> bool:
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    columns, values = row
    return np.array_equal(columns, matrix.indices[start:end]) and np.array_equal(
        values, matrix.data[start:end]
    )


# Texts every loaded scorer is checked on: prose, spam with links and sums,
# obfuscation, markup, other scripts, emoji, odd whitespace, nothing at all.
PROBE_TEXTS = (
    "Thanks for covering the council vote, the library hours matter to us.",
    "Google is paying $95 an hour from home!!! visit cashnow247.com or WhatsApp +1 555 0199",
    "F R E E  m o n e y at quick-cash[dot]net, w0rk fr0m h0me 4 d4ys a w33k",
    "<p>Great <a href='http://spam.example.biz/x'>read</a> &amp; thanks</p><br/>",
    "Ｃｈｅａｐ реплика ωατches — 80% off €35,475 пер месяц 😀😀 \u200bhidden",
    "a\tb\r\nc  d\u2028e\xa0f \x1cg",
    "",
    "x",
)


def check_scorer(scorer: FastScorer) -> FastScorer:
    """The scorer, once :func:`verify` passes on :data:`PROBE_TEXTS`, alone and repeated
    into a batch: a few texts and a batch take different routes (see ``SMALL_BATCH``)."""
    verify(scorer, PROBE_TEXTS)
    verify(scorer, PROBE_TEXTS * (SMALL_BATCH // len(PROBE_TEXTS) + 1))
    return scorer


def verification_texts(texts: Sequence[str], size: int = 2000) -> list[str]:
    """Up to ``size`` of ``texts``, spread evenly, plus :data:`PROBE_TEXTS`: what a new
    model's tables are verified on before it is saved."""
    step = max(1, len(texts) // size)
    return [*list(texts)[::step][:size], *PROBE_TEXTS]


def tables_bytes(tables: dict[str, NgramTable]) -> bytes:
    """The tables as an ``.npz`` file's bytes."""
    buffer = io.BytesIO()
    np.savez(buffer, **tables_to_arrays(tables))
    return buffer.getvalue()


def scorer_from_bytes(pipeline: Pipeline, data: bytes) -> FastScorer:
    """A checked scorer from saved (and already hash-verified) ``.npz`` bytes; no
    pickle is involved."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            tables = tables_from_arrays(arrays)
    except (ValueError, KeyError, OSError, UnicodeDecodeError) as exc:
        raise ModelIntegrityError(f"{TABLES_FILE}: unreadable ({exc})") from None
    return check_scorer(FastScorer(pipeline, tables))
