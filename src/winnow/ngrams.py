"""Counting n-grams a batch at a time: scikit-learn's ``CountVectorizer`` counts, entry
for entry, without building every n-gram of every document as a string.

scikit-learn's vectorizers walk each document's n-grams in Python, one string and
one dict look-up at a time. That is most of the cost of training on many comments
(each cross-validation fold fits its own vocabulary). Here:

* character n-grams never cross a word (``char_wb``), so they are built once per
  *distinct* word of the batch, and a document's counts are its words' counts
  summed (one sparse product);
* word n-grams are packed into 64-bit keys of their tokens' ids and counted with
  NumPy, and only the distinct ones are ever joined into strings.

Both give the vocabulary in the order scikit-learn's ``_count_vocab`` meets its
terms, and the same count matrix, so everything scikit-learn does next (sorting,
``min_df``, TF-IDF weighting) gives the very same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from scipy import sparse

from winnow.compiled import compiled_kernels

# Words, money amounts ("$192", "$35,475") and marker tokens; single letters are noise.
WORD_TOKEN_PATTERN = r"(?u)[$€£₹]?\b\w[\w'.,]*\w\b|[$€£₹]\d+"
# Token patterns whose tokens never hold whitespace and whose assertions (``\b``)
# treat whitespace like the ends of a string: a document's tokens are then its
# words' tokens, and tokenising each distinct word of a batch once is enough.
WORD_LOCAL_PATTERNS = frozenset({WORD_TOKEN_PATTERN, r"(?u)\b\w\w+\b"})
FEW_DOCS = 16  # below this many documents, tokenising each beats sharing distinct words
KEY_BITS = 63  # packed keys stay below 2**63: no overflow, no sign trouble
# Options under which a vectorizer's analyzer is exactly what this module reproduces.
PLAIN_ANALYZER = {
    "input": "content",
    "preprocessor": None,
    "tokenizer": None,
    "lowercase": False,
    "strip_accents": None,
    "stop_words": None,
}

Vocabulary = dict[str, int]


@dataclass(frozen=True)
class Words:
    """The whitespace-separated words of a batch (``str.split``, as both analyzers
    split): each distinct word once, in order of first appearance, and the ids of
    every document's words, documents one after another."""

    distinct: list[str]
    ids: np.ndarray
    per_doc: np.ndarray

    @classmethod
    def of(cls, docs: Sequence[str]) -> Words:
        """The words of ``docs``: split by the compiled kernels where they are installed
        and the batch is not tiny (a per-word dict look-up in Python was half the cost
        of scoring a batch), else by ``str.split`` here; the same words either way."""
        kernels = compiled_kernels()
        if kernels is not None and len(docs) >= FEW_DOCS:
            return cls(*kernels.split_words(list(docs)))
        split = [doc.split() for doc in docs]
        flat = list(chain.from_iterable(split))
        index = _first_seen(flat)
        ids = np.fromiter(map(index.__getitem__, flat), np.int64, len(flat))
        return cls(list(index), ids, np.fromiter(map(len, split), np.int64, len(split)))

    def doc_of_each(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.per_doc)), self.per_doc)

    def indptr(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.per_doc)])


def counts_supported(vectorizer: Any) -> bool:
    """Whether :func:`count_ngrams` reproduces this vectorizer's analyzer exactly."""
    if vectorizer.analyzer not in ("word", "char_wb"):
        return False
    params = vectorizer.get_params()
    return all(params[name] == value for name, value in PLAIN_ANALYZER.items())


def count_ngrams(
    vectorizer: Any, raw_documents: Iterable[Any], vocabulary: Vocabulary | None
) -> tuple[Vocabulary, sparse.csr_array] | None:
    """``vectorizer._count_vocab(raw_documents, ...)``: the vocabulary (a new one in
    order of first appearance, or the fixed ``vocabulary``) and the count matrix,
    indices sorted. None when word n-grams would not fit a 64-bit key (the caller
    then counts the ordinary way)."""
    docs = [vectorizer.decode(doc) for doc in raw_documents]
    words = Words.of(docs)
    if vectorizer.analyzer == "char_wb":
        counted = _char_wb_counts(words, vectorizer.ngram_range, vocabulary)
    else:
        counted = _word_counts(docs, words, vectorizer, vocabulary)
    if counted is None:
        return None
    terms, matrix = counted
    if vocabulary is None and not terms:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    return terms, _as_counts(matrix, vectorizer.dtype)


def char_wb_ngrams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one word, in its order: the word padded
    with a space either side, n from ``low`` to ``high``; a padded word no longer
    than n is one n-gram, counted once for all such n."""
    padded = f" {word} "
    size = len(padded)
    grams = []
    for n in range(low, high + 1):
        if n >= size:
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def _char_wb_counts(
    words: Words, ngram_range: tuple[int, int], vocabulary: Vocabulary | None
) -> tuple[Vocabulary, sparse.csr_array]:
    """Counts from each distinct word's n-grams, summed over each document's words."""
    low, high = ngram_range
    grams = [char_wb_ngrams(word, low, high) for word in words.distinct]
    terms = vocabulary if vocabulary is not None else _first_seen(chain.from_iterable(grams))
    sizes = np.fromiter(map(len, grams), np.int64, len(grams))
    columns = np.fromiter(
        (terms.get(g, -1) for g in chain.from_iterable(grams)), np.int64, int(sizes.sum())
    )
    word_of = np.repeat(np.arange(len(grams)), sizes)
    known = columns >= 0
    per_word = sparse.csr_array(
        (np.ones(int(known.sum()), np.int64), (word_of[known], columns[known])),
        shape=(len(grams), len(terms)),
    )
    in_doc = sparse.csr_array(
        (np.ones(len(words.ids), np.int64), words.ids, words.indptr()),
        shape=(len(words.per_doc), len(grams)),
    )
    return terms, in_doc @ per_word


def _first_seen(items: Iterable[str]) -> Vocabulary:
    """Each distinct item with its index in order of first appearance."""
    terms = dict.fromkeys(items)
    for i, term in enumerate(terms):
        terms[term] = i
    return terms


@dataclass(frozen=True)
class _Tokens:
    """The documents' tokens as ids from 1 (``names[id - 1]``), one document after
    another, and how many each document has."""

    names: list[str]
    ids: np.ndarray
    lengths: np.ndarray


def _word_counts(
    docs: list[str], words: Words, vectorizer: Any, vocabulary: Vocabulary | None
) -> tuple[Vocabulary, sparse.csr_array] | None:
    """Counts of token n-grams, each packed into one key of its tokens' ids."""
    low, high = vectorizer.ngram_range
    tokens = _tokens(docs, words, vectorizer.token_pattern)
    bits = max(1, len(tokens.names).bit_length())
    if bits * high > KEY_BITS:
        return None
    doc_of, keys = _ngram_keys(tokens, low, high, bits)
    distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    if vocabulary is None:
        seen = np.argsort(first, kind="stable")
        names = _key_names(distinct[seen], tokens.names, bits, high)
        vocabulary = dict(zip(names, range(len(names)), strict=True))
        column = np.empty(len(distinct), np.int64)
        column[seen] = np.arange(len(distinct))
    else:
        names = _key_names(distinct, tokens.names, bits, high)
        column = np.fromiter((vocabulary.get(n, -1) for n in names), np.int64, len(names))
    columns = column[inverse]
    known = columns >= 0
    counts = sparse.csr_array(
        (np.ones(int(known.sum()), np.int64), (doc_of[known], columns[known])),
        shape=(len(docs), len(vocabulary)),
    )
    return vocabulary, counts


def _tokens(docs: list[str], words: Words, token_pattern: str) -> _Tokens:
    """Each document's tokens as ids from 1, in order of first appearance."""
    stream, take, lengths = token_stream(docs, words, re.compile(token_pattern))
    names = _first_seen(stream)
    ids = np.fromiter(map(names.__getitem__, stream), np.int64, len(stream)) + 1
    return _Tokens(list(names), ids[take], lengths)


def token_stream(
    docs: Sequence[str], words: Words, pattern: re.Pattern[str]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The documents' tokens (``pattern.findall``) as (tokens, take, lengths): the
    documents' tokens one after another are ``tokens[take]``, ``lengths`` of them
    per document. Where the pattern allows and the batch is not tiny, each distinct
    word is tokenised once (``tokens`` then holds the distinct words' tokens, in
    order of first appearance); for a few documents, one scan each costs less."""
    if pattern.pattern not in WORD_LOCAL_PATTERNS or len(docs) < FEW_DOCS:
        per_doc = [pattern.findall(doc) for doc in docs]
        tokens = list(chain.from_iterable(per_doc))
        lengths = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
        return tokens, np.arange(len(tokens)), lengths
    per_word = [pattern.findall(word) for word in words.distinct]
    sizes = np.fromiter(map(len, per_word), np.int64, len(per_word))
    lengths = np.bincount(words.doc_of_each(), sizes[words.ids], len(words.per_doc))
    tokens = list(chain.from_iterable(per_word))
    return tokens, ranges(sizes, words.ids), lengths.astype(np.int64)


def ranges(sizes: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Indices of the items ``picks`` into a concatenation of runs of ``sizes``,
    each picked run in full, in pick order."""
    starts = np.cumsum(sizes) - sizes
    taken = sizes[picks]
    shift = np.repeat(starts[picks] - (np.cumsum(taken) - taken), taken)
    return shift + np.arange(int(taken.sum()))


def _ngram_keys(tokens: _Tokens, low: int, high: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(document, key) of every n-gram, in the order scikit-learn's analyzer yields
    them: document by document, and within one, all its 1-grams, then its 2-grams..."""
    ids, lengths = tokens.ids.astype(np.uint64), tokens.lengths
    doc_of = np.repeat(np.arange(len(lengths)), lengths)
    left = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(ids))  # tokens to doc end
    keys, found_docs, found_keys = ids.copy(), [], []
    for n in range(1, high + 1):
        if n > 1:
            keys = (keys[:-1] << np.uint64(bits)) | ids[n - 1 :]
        if n >= low:
            inside = left[: len(keys)] >= n
            found_docs.append(doc_of[: len(keys)][inside])
            found_keys.append(keys[inside])
    docs = np.concatenate(found_docs) if found_docs else np.zeros(0, np.int64)
    order = np.argsort(docs, kind="stable")  # blocks by n, each in position order
    packed = np.concatenate(found_keys) if found_keys else np.zeros(0, np.uint64)
    return docs[order], packed[order]


def _key_names(keys: np.ndarray, names: list[str], bits: int, high: int) -> list[str]:
    """The n-gram each packed key stands for: its tokens joined by spaces."""
    mask = np.uint64((1 << bits) - 1)
    chunks = [(keys >> np.uint64(bits * j)) & mask for j in range(high)][::-1]
    table = np.array([None, *names], dtype=object)
    parts = [table[chunk.astype(np.int64)] for chunk in chunks]
    return [" ".join(p for p in term if p is not None) for term in zip(*parts, strict=True)]


def _as_counts(matrix: Any, dtype: Any) -> sparse.csr_array:
    """The counts as ``_count_vocab`` leaves them: CSR, indices sorted, 32-bit indices
    where they fit, values of the vectorizer's dtype."""
    matrix = sparse.csr_array(matrix)
    matrix.sum_duplicates()  # canonical form: indices sorted too
    index = np.int32 if max(matrix.nnz, matrix.shape[1]) < 2**31 else np.int64
    return sparse.csr_array(
        (matrix.data.astype(dtype), matrix.indices.astype(index), matrix.indptr.astype(index)),
        shape=matrix.shape,
    )
