"""Compiled n-gram counting and scoring for the fast scorer (needs numba).

The NumPy route of :mod:`winnow.fastscore` builds every candidate n-gram of a
batch as an array element, sorts and searches them; here compiled loops walk the
units once, pack each n-gram into a 64-bit key as they go, look it up in an
open-addressing hash table, and count it, building no intermediate array. The
counts are the vectorizer's own (same n-grams, same rules), so the TF-IDF rows
and the probabilities are the pipeline's.

numba is an optional dependency (``pip install winnow[fast]``); this module
imports it, so :mod:`winnow.fastscore` imports this module only when
:func:`winnow.fastscore.compiled_kernels` finds numba installed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY = np.uint64(0)  # no packed key is 0: unit ids start at 1
GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / the golden ratio

jit = njit(cache=True, nogil=True)


@jit
def slot(key, mask):
    """Where a key's probe starts in a table of ``mask + 1`` slots."""
    return ((key * GOLDEN) >> np.uint64(32)) & mask


@jit
def build(keys, columns, size):
    """The table: ``size`` slots (a power of two) of keys and their columns."""
    slots = np.zeros(size, np.uint64)
    values = np.zeros(size, np.int64)
    mask = np.uint64(size - 1)
    for i in range(len(keys)):
        at = slot(keys[i], mask)
        while slots[at] != EMPTY:
            at = (at + np.uint64(1)) & mask
        slots[at] = keys[i]
        values[at] = columns[i]
    return slots, values


@jit
def find(key, slots, values, mask):
    """The column of ``key`` (linear probing), or -1 when it is not in the vocabulary."""
    at = slot(key, mask)
    while True:
        found = slots[at]
        if found == key:
            return values[at]
        if found == EMPTY:
            return -1
        at = (at + np.uint64(1)) & mask


@jit
def packed(units, start, size, shift):
    """The key of the ``size`` units from ``start``; EMPTY if one is outside the vocabulary."""
    key = np.uint64(0)
    for k in range(start, start + size):
        if units[k] == EMPTY:
            return EMPTY
        key = (key << shift) | units[k]
    return key


@jit
def padded_word(points, start, end, char_ids, space_id, word):
    """Fill ``word`` with the unit ids of ``points[start:end]`` between two spaces;
    returns its length. Code points past the lookup table get the last slot's id (0)."""
    word[0] = space_id
    for k in range(start, end):
        c = points[k]
        word[k - start + 1] = char_ids[c] if c < len(char_ids) else char_ids[-1]
    word[end - start + 1] = space_id
    return end - start + 2


@jit
def char_wb(points, starts, ends, char_ids, space_id, low, high, bits, slots, values):
    """The vocabulary columns of sklearn's ``char_wb`` n-grams of each word
    (``starts``/``ends`` index ``points``, the words' code points), as CSR parts:
    the word padded with a space on either side gives its n-grams for n from
    ``low`` to ``high``, or itself once when it is no longer than n."""
    mask, shift = np.uint64(len(slots) - 1), np.uint64(bits)
    indptr = np.zeros(len(starts) + 1, np.int64)
    out = np.empty(max(16, (high - low + 1) * (len(points) + 2 * len(starts))), np.int64)
    word = np.empty(np.max(ends - starts) + 2 if len(starts) else 2, np.uint64)
    filled = 0
    for w in range(len(starts)):
        length = padded_word(points, starts[w], ends[w], char_ids, space_id, word)
        for n in range(low, high + 1):
            size = min(n, length)
            for start in range(length - size + 1):
                key = packed(word, start, size, shift)
                column = find(key, slots, values, mask) if key != EMPTY else -1
                if column >= 0:
                    out[filled] = column
                    filled += 1
            if n >= length:
                break
        indptr[w + 1] = filled
    return indptr, out[:filled]


@jit
def word_ngrams(ids, lengths, low, high, bits, slots, values):
    """The vocabulary columns of each document's token n-grams, as CSR parts
    (``ids`` holds the documents' token ids one after another, ``lengths`` how many
    each has; id 0 is outside the vocabulary, so no n-gram holding it is)."""
    mask = np.uint64(len(slots) - 1)
    shift = np.uint64(bits)
    indptr = np.zeros(len(lengths) + 1, np.int64)
    out = np.empty(max(16, len(ids) * (high - low + 1)), np.int64)
    filled = 0
    first = 0
    for d in range(len(lengths)):
        end = first + lengths[d]
        for start in range(first, end):
            key = np.uint64(0)
            for n in range(1, high + 1):
                if start + n > end or ids[start + n - 1] == EMPTY:
                    break
                key = (key << shift) | ids[start + n - 1]
                if n >= low:
                    column = find(key, slots, values, mask)
                    if column >= 0:
                        out[filled] = column
                        filled += 1
        indptr[d + 1] = filled
        first = end
    return indptr, out[:filled]


@jit
def tally(doc_ptr, items, item_ptr, item_columns, d, counts, touched):
    """Count document ``d``'s columns (those of its items) into ``counts``; returns
    how many distinct columns it has, listed first in ``touched``."""
    n_touched = 0
    for i in items[doc_ptr[d] : doc_ptr[d + 1]]:
        for column in item_columns[item_ptr[i] : item_ptr[i + 1]]:
            if counts[column] == 0:
                touched[n_touched] = column
                n_touched += 1
            counts[column] += 1
    return n_touched


@jit
def _doc_counts(doc_ptr, items, item_ptr, item_columns, n_features):
    """Each document's column counts as CSR parts, columns ascending in each row."""
    counts = np.zeros(n_features, np.int64)
    touched = np.empty(n_features, np.int64)
    n_docs = len(doc_ptr) - 1
    indptr = np.zeros(n_docs + 1, np.int64)
    size = 0
    for i in items:
        size += item_ptr[i + 1] - item_ptr[i]
    out_columns = np.empty(size, np.int64)
    out_counts = np.empty(size, np.int64)
    filled = 0
    for d in range(n_docs):
        n_touched = tally(doc_ptr, items, item_ptr, item_columns, d, counts, touched)
        touched[:n_touched].sort()
        for k in range(n_touched):
            out_columns[filled + k] = touched[k]
            out_counts[filled + k] = counts[touched[k]]
            counts[touched[k]] = 0
        filled += n_touched
        indptr[d + 1] = filled
    return indptr, out_columns[:filled], out_counts[:filled]


@jit
def _doc_scores(doc_ptr, items, item_ptr, item_columns, idf, coef, sublinear, norm):
    """Each document's TF-IDF row dotted with ``coef``, without building the row:
    (dot, row norm) per document; ``norm`` 2 (l2), 1 (l1) or 0 (none)."""
    counts = np.zeros(len(idf), np.int64)
    touched = np.empty(len(idf), np.int64)
    n_docs = len(doc_ptr) - 1
    dots = np.zeros(n_docs)
    norms = np.ones(n_docs)
    for d in range(n_docs):
        n_touched = tally(doc_ptr, items, item_ptr, item_columns, d, counts, touched)
        dot, total = 0.0, 0.0
        for k in range(n_touched):
            column = touched[k]
            value = counts[column] * 1.0
            if sublinear:
                value = np.log(value) + 1.0
            value *= idf[column]
            dot += value * coef[column]
            total += value * value if norm == 2 else abs(value)
            counts[column] = 0
        dots[d] = dot
        if norm == 2 and total > 0:
            norms[d] = np.sqrt(total)
        elif norm == 1 and total > 0:
            norms[d] = total
    return dots, norms


def hash_table(keys: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An open-addressing table of the packed keys (at most half full)."""
    size = 1 << max(4, (2 * len(keys)).bit_length())
    return build(keys.astype(np.uint64), columns.astype(np.int64), size)


def char_wb_columns(
    words: list[str], char_ids: np.ndarray, space_id: int, table: tuple, ngram: tuple,
    bits: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(indptr, columns): the vocabulary columns of each word's ``char_wb`` n-grams."""
    points = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), np.uint32)
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    ends = np.cumsum(lengths)
    return char_wb(
        points, ends - lengths, ends, char_ids, np.uint64(space_id), ngram[0], ngram[1], bits,
        table[0], table[1],
    )  # fmt: skip


def word_ngram_columns(
    ids: np.ndarray, lengths: np.ndarray, table: tuple, ngram: tuple, bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, columns): the vocabulary columns of each document's token n-grams."""
    return word_ngrams(
        ids.astype(np.uint64), lengths.astype(np.int64), ngram[0], ngram[1], bits,
        table[0], table[1],
    )  # fmt: skip


def doc_counts(groups: tuple, n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, columns, counts) of each document from ``groups`` = (doc_ptr, items,
    item_ptr, item_columns): a document's columns are those of its items."""
    return _doc_counts(*groups, n_features)


def doc_scores(
    groups: tuple, idf: np.ndarray, coef: np.ndarray, sublinear: bool, norm: int
) -> tuple[np.ndarray, np.ndarray]:
    """(dot with ``coef``, norm) of each document's TF-IDF row, from ``groups``."""
    return _doc_scores(*groups, idf, coef, sublinear, norm)
