"""Compiled loops for the fast scorer and the batch routes (needs numba).

* n-gram counting and scoring: the NumPy route of :mod:`winnow.fastscore` builds
  every candidate n-gram of a batch as an array element, sorts and searches them;
  here compiled loops walk the units once, pack each n-gram into a 64-bit key as
  they go, look it up in an open-addressing hash table, and count it, building no
  intermediate array. The counts are the vectorizer's own (same n-grams, same
  rules), so the TF-IDF rows and the probabilities are the pipeline's.
* splitting a batch into words (:func:`split_words`, ``str.split`` of each text,
  each distinct word found once), which the n-gram counts start from;
* the normaliser's quick tests (:func:`hint_flags`): one pass over a batch tells
  which texts each rewrite of :mod:`winnow.normalize` may change.

numba is an optional dependency (``pip install winnow[fast]``); this module
imports it, so the library imports this module only when
:func:`winnow.compiled.compiled_kernels` finds numba installed.
"""

from __future__ import annotations

import functools
from itertools import accumulate

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
def table_size(n):
    """Slots for a table of ``n`` keys: the smallest power of two (at least 16) above
    ``2 * n``, so the table is never more than half full and probes stay short."""
    size = 16
    while size <= 2 * n:
        size *= 2
    return size


@jit
def build(keys, columns, size):
    """The table: ``size`` slots (a power of two), each a key and its column side by
    side (``table[2 * slot]``, ``table[2 * slot + 1]``), so that a probe reads one
    cache line, not one in each of two arrays."""
    table = np.zeros(2 * size, np.uint64)
    mask = np.uint64(size - 1)
    for i in range(len(keys)):
        at = slot(keys[i], mask)
        while table[2 * at] != EMPTY:
            at = (at + np.uint64(1)) & mask
        table[2 * at] = keys[i]
        table[2 * at + 1] = np.uint64(columns[i])
    return table


@jit
def find(key, table, mask):
    """The column of ``key`` (linear probing), or -1 when it is not in the vocabulary."""
    at = slot(key, mask)
    while True:
        found = table[2 * at]
        if found == key:
            return np.int64(table[2 * at + 1])
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
def char_wb(points, starts, ends, char_ids, space_id, low, high, bits, table):
    """The vocabulary columns of sklearn's ``char_wb`` n-grams of each word
    (``starts``/``ends`` index ``points``, the words' code points), as CSR parts:
    the word padded with a space on either side gives its n-grams for n from
    ``low`` to ``high``, or itself once when it is no longer than n."""
    mask, shift = np.uint64(len(table) // 2 - 1), np.uint64(bits)
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
                column = find(key, table, mask) if key != EMPTY else -1
                if column >= 0:
                    out[filled] = column
                    filled += 1
            if n >= length:
                break
        indptr[w + 1] = filled
    return indptr, out[:filled]


@jit
def word_ngrams(ids, lengths, low, high, bits, table):
    """The vocabulary columns of each document's token n-grams, as CSR parts
    (``ids`` holds the documents' token ids one after another, ``lengths`` how many
    each has; id 0 is outside the vocabulary, so no n-gram holding it is)."""
    mask = np.uint64(len(table) // 2 - 1)
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
                    column = find(key, table, mask)
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
def n_columns(items, item_ptr):
    """How many columns the ``items`` have in all (repeats counted)."""
    size = 0
    for i in items:
        size += item_ptr[i + 1] - item_ptr[i]
    return size


@jit
def _doc_counts(doc_ptr, items, item_ptr, item_columns, n_features):
    """Each document's column counts as CSR parts, columns ascending in each row."""
    counts = np.zeros(n_features, np.int64)
    touched = np.empty(n_features, np.int64)
    n_docs = len(doc_ptr) - 1
    indptr = np.zeros(n_docs + 1, np.int64)
    size = n_columns(items, item_ptr)
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
def _doc_scores(doc_ptr, items, item_ptr, item_columns, idf, coef, sublinear, binary, norm):
    """Each document's TF-IDF row dotted with ``coef``, without building the row:
    (dot, row norm) per document; ``norm`` 2 (l2), 1 (l1) or 0 (none); ``binary``
    counts every n-gram present once."""
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
            value = 1.0 if binary else counts[column] * 1.0
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


@jit
def _doc_rows(doc_ptr, items, item_ptr, item_columns, tf, idf, coef, norm):
    """Each document's TF-IDF row and the row dotted with ``coef``: (indptr, columns,
    values, products, dots, largest count), columns ascending in each row, ``products``
    each value times its column's coefficient.

    The columns of a document are sorted and counted in runs instead of in a dense
    array of every column, so a few documents cost no more than their n-grams.
    ``tf[count - 1]`` is a count's term frequency (``log(count) + 1`` when sublinear,
    computed by NumPy so the values are the vectorizer's to the last bit); when a
    count is past the table, the values are not filled and the largest count says
    how long a table to call again with.
    """
    n_docs = len(doc_ptr) - 1
    indptr = np.zeros(n_docs + 1, np.int64)
    size = n_columns(items, item_ptr)
    columns = np.empty(size, np.int64)
    values, products = np.empty(size), np.empty(size)
    dots = np.zeros(n_docs)
    hits, scratch, buckets = (
        np.empty(size, np.int64),
        np.empty(size, np.int64),
        np.empty(256, np.int64),
    )
    filled, largest = 0, 0
    for d in range(n_docs):
        n_hits = 0
        for i in items[doc_ptr[d] : doc_ptr[d + 1]]:
            for column in item_columns[item_ptr[i] : item_ptr[i + 1]]:
                hits[n_hits] = column
                n_hits += 1
        row = hits[:n_hits]
        radix_sort(row, scratch, buckets)
        first, count = filled, 0
        for k in range(n_hits):
            count += 1
            if k + 1 == n_hits or row[k + 1] != row[k]:
                columns[filled] = row[k]
                values[filled] = count
                largest = max(largest, count)
                filled += 1
                count = 0
        if largest <= len(tf):
            row = slice(first, filled)
            dots[d] = weigh_row(columns[row], values[row], products[row], tf, idf, coef, norm)
        indptr[d + 1] = filled
    return indptr, columns[:filled], values[:filled], products[:filled], dots, largest


@jit
def radix_sort(values, scratch, buckets):
    """Sort non-negative ``values`` in place, a byte at a time from the lowest (as many
    passes as the largest value has bytes: two for columns below 65,536). For a row's
    few hundred columns it takes a third of the time of ``ndarray.sort``.
    ``scratch`` holds at least as many values, ``buckets`` 256."""
    largest = 0
    for value in values:
        largest = max(largest, value)
    source, target, shift, passes = values, scratch[: len(values)], 0, 0
    while largest >> shift:
        buckets[:] = 0
        for value in source:
            buckets[(value >> shift) & 255] += 1
        total = 0
        for b in range(256):  # each bucket's first place
            total, buckets[b] = total + buckets[b], total
        for value in source:
            b = (value >> shift) & 255
            target[buckets[b]] = value
            buckets[b] += 1
        source, target = target, source
        shift, passes = shift + 8, passes + 1
    if passes % 2:
        values[:] = source


@jit
def weigh_row(columns, values, products, tf, idf, coef, norm):
    """Turn one row's counts into TF-IDF values in place, in TfidfTransformer's order
    of operations (term frequency, times idf, divided by the norm), each value's
    product with its coefficient into ``products``; returns the row dotted with
    ``coef`` (the products' sum)."""
    total = 0.0
    for k in range(len(columns)):
        value = tf[int(values[k]) - 1] * idf[columns[k]]
        values[k] = value
        total += value * value if norm == 2 else abs(value)
    if norm == 2:
        total = np.sqrt(total)
    dot = 0.0
    for k in range(len(columns)):
        if norm != 0:
            values[k] /= total
        products[k] = values[k] * coef[columns[k]]
        dot += products[k]
    return dot


@jit
def _top_entries(bounds, products, columns, label_ids, rows, directions, top):
    """For each of ``rows``, the positions of its ``top`` entries that push hardest
    its ``direction`` (+1 towards spam, -1 towards ham), one per label: strongest
    first, ties in row order, entries without a label (-1) skipped. Returns the
    positions, row after row, and how many each row got.

    Row ``r`` is made of the blocks ``bounds[p, r]:bounds[p, r + 1]`` of the entries,
    part after part; ``products`` are the entries' values times their coefficients.
    The entries pushing the row's way are gathered once, in row order; each pick then
    scans them (a handful of picks cost less than a sort), and only a pick's label is
    read: the labels of a whole row would be as many reads from a table most of
    which is out of the caches.
    """
    picked, counts = np.empty(len(rows) * top, np.int64), np.zeros(len(rows), np.int64)
    labels, filled, longest = np.empty(top, np.int64), 0, 0
    for r in rows:
        longest = max(longest, np.sum(bounds[:, r + 1] - bounds[:, r]))
    strengths, where = np.empty(longest), np.empty(longest, np.int64)
    for j in range(len(rows)):
        r, n_found = rows[j], 0
        for p in range(bounds.shape[0]):
            for k in range(bounds[p, r], bounds[p, r + 1]):
                strength = products[k] * directions[j]
                if strength > 0:
                    strengths[n_found], where[n_found] = strength, k
                    n_found += 1
        n = 0
        while n < top:
            best = -1
            for i in range(n_found):  # the first of the strongest left
                if strengths[i] > 0 and (best < 0 or strengths[i] > strengths[best]):
                    best = i
            if best < 0:
                break
            strengths[best] = 0.0  # taken
            label = label_ids[columns[where[best]]]
            if label >= 0 and label not in labels[:n]:
                picked[filled], labels[n] = where[best], label
                n, filled = n + 1, filled + 1
        counts[j] = n
    return picked[:filled], counts


# Code points: their classes, and literals found among them.
LAST_SPACE = 0x3000  # no code point above it is whitespace (a test checks all of them)
# Classes of code points (bits of char_classes()): whitespace to str.split and to the
# regex' \s, ASCII digit, ASCII lower-case letter, what a phone number may hold (any
# non-ASCII code point may be a digit or a space to the regex), [ \t\v\f\r], and the
# first and second letters of the words the normaliser's quick tests look for,
# brackets a defanged dot may follow ("[.]").
WS, DIGIT, LOWER, PHONE_PART, BLANK, WORD_START, WORD_SECOND, OPEN = 1, 2, 4, 8, 16, 32, 64, 128


def _points(word: str) -> tuple[int, ...]:
    """A literal's code points as a tuple, a compile-time constant to numba."""
    return tuple(map(ord, word))


SCHEME = _points("://")
HINT_WORDS = (
    "www.",
    "dot",
    "d0t",
    "usd",
    "dollars",
    "euro",
    "pounds",
    "hour",
    "hr",
    "day",
    "week",
    "month",
)
WWW, DOT_WORD, D0T_WORD, USD, DOLLARS, EURO, POUNDS, HOUR, HR, DAY, WEEK, MONTH = map(
    _points, HINT_WORDS
)
# The words a rate's unit of time follows ("$20 an hour", "£500 every single week").
PER, AN, A, EVERY, EACH, SINGLE = map(_points, ("per", "an", "a", "every", "each", "single"))


@functools.cache
def char_classes() -> np.ndarray:
    """The class bits of each code point up to :data:`LAST_SPACE`; the last slot holds
    those of every code point past it."""
    table = np.zeros(LAST_SPACE + 2, np.uint8)
    table[[c for c in range(LAST_SPACE + 1) if chr(c).isspace()]] |= WS | PHONE_PART
    table[ord("0") : ord("9") + 1] |= DIGIT | PHONE_PART
    table[ord("a") : ord("z") + 1] |= LOWER
    table[list(map(ord, "().-"))] |= PHONE_PART
    table[list(map(ord, " \t\v\f\r"))] |= BLANK
    table[list(map(ord, "[({<"))] |= OPEN
    table[[ord(word[0]) for word in HINT_WORDS]] |= WORD_START
    table[[ord(word[1]) for word in HINT_WORDS]] |= WORD_SECOND
    table[128:] |= PHONE_PART
    return table


@jit
def kind(points, k, end, classes):
    """The class bits of ``points[k]`` (0 past ``end``)."""
    if k >= end:
        return 0
    if points[k] < len(classes):
        return classes[points[k]]
    return classes[-1]


@jit
def written_at(points, k, end, word):
    """Whether ``word`` (code points) is written at ``points[k:end]``'s start."""
    if k + len(word) > end:
        return False
    for j in range(len(word)):  # noqa: SIM110 (numba compiles no generator in all())
        if points[k + j] != word[j]:
            return False
    return True


# Words: ``str.split`` of a batch, each distinct word once.
FNV_OFFSET = np.uint64(0xCBF29CE484222325)  # 64-bit FNV-1a, over code points
FNV_PRIME = np.uint64(0x100000001B3)


@jit
def count_words(points, doc_ends, classes):
    """How many words ``str.split`` finds in the documents (``doc_ends`` ends each);
    ``classes`` holds the code points' class bits (:func:`char_classes`)."""
    n, start = 0, 0
    for end in doc_ends:
        inside = False
        for k in range(start, end):
            word = (kind(points, k, end, classes) & WS) == 0
            if word and not inside:
                n += 1
            inside = word
        start = end
    return n


@jit
def same(a, a_start, a_end, b, b_start, b_end):
    """Whether ``a[a_start:a_end]`` and ``b[b_start:b_end]`` are equal."""
    if a_end - a_start != b_end - b_start:
        return False
    for k in range(a_end - a_start):  # noqa: SIM110 (numba compiles no generator in all())
        if a[a_start + k] != b[b_start + k]:
            return False
    return True


@jit
def intern(points, start, end, h, table, hashes, bounds, n_distinct):
    """The id of the word ``points[start:end]`` (hash ``h``): the id it got when first
    met, or the next one (``n_distinct``) if it is new. ``table`` maps slots to ids."""
    mask = np.uint64(len(table) - 1)
    at = slot(h, mask)
    while table[at] >= 0:
        w = table[at]
        if hashes[w] == h and same(points, bounds[w, 0], bounds[w, 1], points, start, end):
            return w
        at = (at + np.uint64(1)) & mask
    table[at], hashes[n_distinct] = n_distinct, h
    bounds[n_distinct, 0], bounds[n_distinct, 1] = start, end
    return n_distinct


@jit
def _split_words(points, doc_ends, classes):
    """(word ids, words per document, (start, end) of each distinct word in order of
    first appearance) of the documents' whitespace-separated words."""
    n_words = count_words(points, doc_ends, classes)
    table = np.full(table_size(n_words), -1, np.int64)
    hashes, bounds = np.empty(n_words, np.uint64), np.empty((n_words, 2), np.int64)
    ids, per_doc = np.empty(n_words, np.int64), np.zeros(len(doc_ends), np.int64)
    n, n_distinct, k = 0, 0, 0
    for d in range(len(doc_ends)):
        while k < doc_ends[d]:
            if kind(points, k, doc_ends[d], classes) & WS:
                k += 1
                continue
            start, h = k, FNV_OFFSET
            while k < doc_ends[d]:
                if kind(points, k, doc_ends[d], classes) & WS:
                    break
                h = (h ^ np.uint64(points[k])) * FNV_PRIME
                k += 1
            ids[n] = intern(points, start, k, h, table, hashes, bounds, n_distinct)
            n_distinct += ids[n] == n_distinct
            n += 1
            per_doc[d] += 1
    return ids, per_doc, bounds[:n_distinct]


def split_words(docs: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``str.split`` of every document, as :class:`winnow.ngrams.Words` holds it: the
    distinct words in order of first appearance, each word's id, documents one after
    another, and how many words each document has."""
    joined, points, ends = batch_points(docs)
    ids, per_doc, bounds = _split_words(points, ends, char_classes())
    return [joined[a:b] for a, b in bounds.tolist()], ids, per_doc


def batch_points(texts: list[str]) -> tuple[str, np.ndarray, np.ndarray]:
    """The texts joined, the code points of the join, and where each text ends in it."""
    joined = "".join(texts)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    return joined, points, np.fromiter(accumulate(map(len, texts)), np.int64, len(texts))


# Word tokens: the matches of ``winnow.ngrams.WORD_TOKEN_PATTERN``,
# ``[$€£₹]?\b\w[\w'.,]*\w\b|[$€£₹]\d+``, found by hand (``re.findall``'s order and
# rules). Classes of code points (bits of token_classes()): the regex' \w (a letter,
# digit or numeral to ``str.isalnum``, or ``_``), its \d (``str.isdecimal``), a
# currency sign, and the three marks a token may hold inside.
TOKEN_WORD, TOKEN_DECIMAL, TOKEN_CURRENCY, TOKEN_INNER = 1, 2, 4, 8
LAST_WORD_POINT = 0x3FFFF  # no code point above it is \w or \d (a test checks them all)


@functools.cache
def token_classes() -> np.ndarray:
    """The token class bits of each code point up to :data:`LAST_WORD_POINT`; the last
    slot (none) is every code point past it."""
    chars = [chr(c) for c in range(LAST_WORD_POINT + 1)]
    table = np.zeros(LAST_WORD_POINT + 2, np.uint8)
    table[[c for c, char in enumerate(chars) if char.isalnum() or char == "_"]] |= TOKEN_WORD
    table[[c for c, char in enumerate(chars) if char.isdecimal()]] |= TOKEN_DECIMAL
    table[list(map(ord, "$€£₹"))] |= TOKEN_CURRENCY
    table[list(map(ord, "'.,"))] |= TOKEN_INNER
    return table


@jit
def token_class(points, k, classes):
    c = points[k]
    return classes[c] if c < len(classes) else classes[-1]


@jit
def is_word(points, k, classes):
    return token_class(points, k, classes) & TOKEN_WORD != 0


@jit
def token_end(points, i, start, end, classes):
    """Where the token matched at ``points[i]`` ends (the document is
    ``points[start:end]``), or -1 when none starts there."""
    here = token_class(points, i, classes)
    j = i + 1 if here & TOKEN_CURRENCY else i  # [$€£₹]? is greedy
    if (
        j < end
        and is_word(points, j, classes)
        and (j == start or not is_word(points, j - 1, classes))
    ):
        run = j + 1  # [\w'.,]* as far as it goes, then back to a \w before a \b
        while run < end and token_class(points, run, classes) & (TOKEN_WORD | TOKEN_INNER):
            run += 1
        for last in range(run - 1, j, -1):
            if is_word(points, last, classes) and (
                last + 1 == end or not is_word(points, last + 1, classes)
            ):
                return last + 1
    if here & TOKEN_CURRENCY:
        digits = i + 1
        while digits < end and token_class(points, digits, classes) & TOKEN_DECIMAL:
            digits += 1
        if digits > i + 1:
            return digits
    return -1


@jit
def fnv(points, start, end):
    h = FNV_OFFSET
    for k in range(start, end):
        h = (h ^ np.uint64(points[k])) * FNV_PRIME
    return h


@jit
def _unit_index(points, ends):
    """A table of the units ``points[ends[u - 1]:ends[u]]``: (slots holding unit
    numbers or -1, each unit's hash, each unit's start)."""
    table = np.full(table_size(len(ends)), -1, np.int64)
    mask = np.uint64(len(table) - 1)
    hashes, starts = np.empty(len(ends), np.uint64), np.empty(len(ends), np.int64)
    start = 0
    for u in range(len(ends)):
        hashes[u], starts[u] = fnv(points, start, ends[u]), start
        at = slot(hashes[u], mask)
        while table[at] >= 0:
            at = (at + np.uint64(1)) & mask
        table[at], start = u, ends[u]
    return table, hashes, starts


@jit
def unit_id(points, start, end, index, unit_points, unit_ends):
    """The id (number + 1) of the unit written ``points[start:end]``; EMPTY if none."""
    table, hashes, starts = index
    mask, h = np.uint64(len(table) - 1), fnv(points, start, end)
    at = slot(h, mask)
    while table[at] >= 0:
        u = table[at]
        if hashes[u] == h and same(unit_points, starts[u], unit_ends[u], points, start, end):
            return np.uint64(u + 1)
        at = (at + np.uint64(1)) & mask
    return EMPTY


@jit
def token_ids(points, doc_ends, classes, index, unit_points, unit_ends):
    """The ids of each document's tokens, documents one after another, and how many
    each has."""
    ids, lengths = np.empty(len(points), np.uint64), np.zeros(len(doc_ends), np.int64)
    n, start = 0, 0
    for d in range(len(doc_ends)):
        i, end = start, doc_ends[d]
        while i < end:
            token = token_end(points, i, start, end, classes)
            if token < 0:
                i += 1
                continue
            ids[n] = unit_id(points, i, token, index, unit_points, unit_ends)
            n, lengths[d], i = n + 1, lengths[d] + 1, token
        start = end
    return ids[:n], lengths


@jit
def _word_rows(points, doc_ends, word):
    """A ``word`` part's rows (see :func:`_doc_rows`) straight from the code points;
    ``word`` is what :func:`word_part` gives."""
    classes, index, unit_points, unit_ends, ngram, bits, table, weights = word
    ids, lengths = token_ids(points, doc_ends, classes, index, unit_points, unit_ends)
    item_ptr, columns = word_ngrams(ids, lengths, ngram[0], ngram[1], bits, table)
    every = np.arange(len(doc_ends) + 1)
    return _doc_rows(every, every[:-1], item_ptr, columns, *weights)


@jit
def _char_rows(points, doc_ends, char):
    """A ``char_wb`` part's rows (see :func:`_doc_rows`) straight from the code points,
    each distinct word's n-grams found once; ``char`` is what :func:`char_part` gives."""
    classes, char_ids, space_id, ngram, bits, table, weights = char
    ids, per_doc, bounds = _split_words(points, doc_ends, classes)
    starts, ends = bounds[:, 0].copy(), bounds[:, 1].copy()
    item_ptr, columns = char_wb(
        points, starts, ends, char_ids, space_id, ngram[0], ngram[1], bits, table
    )
    doc_ptr = np.zeros(len(doc_ends) + 1, np.int64)
    doc_ptr[1:] = np.cumsum(per_doc)
    return _doc_rows(doc_ptr, ids, item_ptr, columns, *weights)


@jit
def _joined_rows(points, doc_ends, word, char, word_first, offsets, intercept):
    """A word part's and a char_wb part's rows side by side (as a ``FeatureUnion``
    places them, ``word_first`` or not; ``offsets`` are their first columns), and
    each document's decision: ``intercept`` plus the first part's dot, plus the
    second's, in that order. Returns (bounds, columns, values, products, decision,
    largest word count, largest char count); see :func:`_doc_rows`."""
    word_block = _word_rows(points, doc_ends, word)
    char_block = _char_rows(points, doc_ends, char)
    first, second = (word_block, char_block) if word_first else (char_block, word_block)
    shifts = offsets if word_first else (offsets[1], offsets[0])
    n_docs, size = len(doc_ends), len(first[1]) + len(second[1])
    bounds, decision = np.empty((2, n_docs + 1), np.int64), np.full(n_docs, intercept)
    columns, values, products = np.empty(size, np.int64), np.empty(size), np.empty(size)
    start = 0
    for p, block in enumerate((first, second)):
        indptr, block_columns, block_values, block_products, dots, _ = block
        at = slice(start, start + len(block_columns))
        columns[at], values[at], products[at] = (
            block_columns + shifts[p],
            block_values,
            block_products,
        )
        bounds[p] = indptr + start
        decision += dots
        start += len(block_columns)
    return bounds, columns, values, products, decision, word_block[5], char_block[5]


# The normaliser's quick tests (``winnow.normalize``), one bit each in hint_flags.
HINTS = ("dot", "spaced", "leet", "promotion", "email", "link", "phone", "money", "rate", "spaces")
DOT, SPACED, LEET, PROMOTION, EMAIL, LINK, PHONE, MONEY, RATE, SPACES = (
    1 << i for i in range(len(HINTS))
)
PHONE_RUN = 9  # a phone number: at least 9 digits, spaces, brackets, dots or dashes


@jit
def word_hints(points, start, k, end, before, classes):
    """The hints a word starting at ``points[k]`` may set off: ``www.`` (a link), ``dot``,
    a currency's name, a unit of time after whitespace (a rate)."""
    bits = 0
    if written_at(points, k, end, WWW):
        bits |= LINK
    if written_at(points, k, end, DOT_WORD) or written_at(points, k, end, D0T_WORD):
        bits |= DOT
    if written_at(points, k, end, USD) or written_at(points, k, end, DOLLARS):
        bits |= MONEY
    if written_at(points, k, end, EURO) or written_at(points, k, end, POUNDS):
        bits |= MONEY
    if before & WS and time_unit(points, k, end) and rate_word_before(points, start, k, classes):
        bits |= RATE
    return bits


@jit
def rate_word_before(points, start, k, classes):
    """Whether the word before the whitespace before ``points[k]`` is one a rate is
    written with ("per", "an", "a", "every", "each", "single"; or a longer word ending
    so, which costs no more than a needless look)."""
    j = k
    while j > start and kind(points, j - 1, k, classes) & WS:
        j -= 1
    per_or_an = ends_with(points, start, j, PER) or ends_with(points, start, j, AN)
    every = ends_with(points, start, j, EVERY) or ends_with(points, start, j, EACH)
    a_single = ends_with(points, start, j, A) or ends_with(points, start, j, SINGLE)
    return per_or_an or every or a_single


@jit
def ends_with(points, start, j, word):
    """Whether ``word`` (code points) is written just before ``points[j]``."""
    return j - len(word) >= start and written_at(points, j - len(word), j, word)


@jit
def slash_unit(points, k, end, classes):
    """Whether a unit of time a rate is paid by follows the ``/`` at ``points[k]``,
    perhaps after one whitespace: its first letter ("/hr", "/ day", "/wk")."""
    n = k + 2 if kind(points, k + 1, end, classes) & WS else k + 1
    return n < end and (points[n] == 104 or points[n] == 100 or points[n] == 119)  # h d w


@jit
def time_unit(points, k, end):
    """Whether a unit of time a rate is paid by starts at ``k`` ("hour", "day"...)."""
    hours = written_at(points, k, end, HOUR) or written_at(points, k, end, HR)
    days = written_at(points, k, end, DAY) or written_at(points, k, end, WEEK)
    return hours or days or written_at(points, k, end, MONTH)


@jit
def spaced_letters(points, k, end, after, classes):
    """Whether `` x y `` starts at ``k`` (``after``: the class bits of ``points[k + 1]``)."""
    if k + 4 >= end or points[k + 2] != 32 or points[k + 4] != 32:
        return False
    return (after | kind(points, k + 3, end, classes)) & WS == 0


# What every promotion the normaliser marks (``winnow.normalize``'s _PROMOTION) starts
# with. A call to act is a whole word or phrase, after which no ASCII letter or digit
# may follow ("sub", "subs" and "subscribe", not "subject"); an own outlet is a prefix
# ("my channel" also finds "my channels"; "mi c" finds "mi canal").
PROMOTION_CALLS = (
    *("sub", "subs", "subscribe", "sign up", "search", "follow", "click", "check out"),
    *("check it out", "check this out", "check me out", "contact me", "tap", "text me"),
    *("visit", "join", "register", "look up", "look it up", "look me up", "google", "dm"),
    *("inbox", "write to me", "add me", "hit me up", "message me"),
    *(f"suscr{i}b{end}" for i in "ií" for end in ("e", "ete", "anse", "irse")),
    *("inscreva-se", "inscrevam-se", "se inscreve", "iscriviti", "iscrivetevi"),
    *("abonnez-vous", "abonne-toi", "abonniert", "abonniere", "me sigam", "schreib mir"),
    *(f"s{i}g{end}" for i in "ií" for end in ("ueme", "anme")),
    *("escribeme", "escríbeme", "scrivimi"),
    *(f"{e}cri{end}-moi" for e in "eé" for end in ("vez", "s")),
)
POSSESSIVES = ("mi", "mia", "minha", "meu", "mon", "ma", "mein", "meine", "meinem", "meinen", "mio")
PROMOTION_OUTLETS = (
    *(f"my {adjective} " for adjective in ("new", "first", "own", "little", "small", "latest")),
    *(f"my {outlet}" for outlet in ("channel", "podcast", "page", "profile", "bio", "blog")),
    *(f"my {outlet}" for outlet in ("vlog", "newsletter", "website", "mixtape", "playlist")),
    "my vid",
    *(f"{my} {outlet}" for my in POSSESSIVES for outlet in "cbkps"),  # canal, blog, kanal...
)
FIRST_POINTS = 256  # every promotion word starts with a Latin-1 letter ("écrivez-moi")


@functools.cache
def promotion_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:data:`PROMOTION_CALLS` and :data:`PROMOTION_OUTLETS` in one sorted list, for
    :func:`promotion_at`: their code points end to end, where each starts (and the last
    ends), for each code point below :data:`FIRST_POINTS` the first word starting with
    it (-1 for none), and whether each word must end where a word does."""
    words = sorted({*PROMOTION_CALLS, *PROMOTION_OUTLETS})
    if max(ord(word[0]) for word in words) >= FIRST_POINTS:
        raise ValueError(f"promotion words must start below code point {FIRST_POINTS}")
    flat = np.array([ord(c) for word in words for c in word], np.int64)
    bounds = np.cumsum([0, *map(len, words)]).astype(np.int64)
    first = np.full(FIRST_POINTS, -1, np.int64)
    for i in reversed(range(len(words))):
        first[ord(words[i][0])] = i
    whole = np.array([word in PROMOTION_CALLS for word in words], np.bool_)
    return flat, bounds, first, whole


@jit
def promotion_at(points, k, end, classes, promotion):
    """Whether one of the promotion words starts at ``points[k]``.

    The words are sorted, so the scan stops at the first one that sorts after the text.
    """
    flat, bounds, first, whole = promotion
    w = first[points[k]]
    while w < len(bounds) - 1 and flat[bounds[w]] == points[k]:
        length, j = bounds[w + 1] - bounds[w], 1
        while j < length and k + j < end and points[k + j] == flat[bounds[w] + j]:
            j += 1
        if j == length:
            if not whole[w] or kind(points, k + length, end, classes) & (LOWER | DIGIT) == 0:
                return True
        elif k + j < end and flat[bounds[w] + j] > points[k + j]:
            return False
        w += 1
    return False


@jit
def doc_hints(points, start, end, classes, promotion):
    """The bits of the hints that may match in ``points[start:end]``.

    The tests of a code point are written out in this one loop: numba did not inline
    a helper called for each code point, and the calls cost ten times the tests.
    ``promotion`` is :func:`promotion_table`: a promotion word may start wherever no
    ASCII lower-case letter comes before the code point.
    """
    first = promotion[2]
    bits, run, before, here = 0, 0, 0, kind(points, start, end, classes)
    for k in range(start, end):
        c, after = points[k], kind(points, k + 1, end, classes)
        starts = not before & LOWER and not bits & PROMOTION and c < FIRST_POINTS
        if starts and first[c] >= 0 and promotion_at(points, k, end, classes, promotion):
            bits |= PROMOTION
        run = run + 1 if here & PHONE_PART else 0
        if run >= PHONE_RUN:  # digits, spaces, brackets, dots, dashes
            bits |= PHONE
        if here & DIGIT and (before | after) & LOWER:  # a digit touching a letter
            bits |= LEET
        if here & BLANK and (c != 32 or after & BLANK):  # a blank that is not one space
            bits |= SPACES
        if c == 32 and spaced_letters(points, k, end, after, classes):  # " x y "
            bits |= SPACED
        if c == 46 and before & (WS | OPEN):  # " . " or "[.": a dot written apart
            bits |= DOT
        if c == 64:  # @
            bits |= EMAIL
        elif (c == 46 and after & LOWER) or (c == 58 and written_at(points, k, end, SCHEME)):
            bits |= LINK  # a dot before a letter, or ://
        elif c == 36 or c == 163 or c == 8364 or c == 8377:  # $ £ € ₹
            bits |= MONEY
        elif c == 47 and slash_unit(points, k, end, classes):  # "/hr", "/ day"
            bits |= RATE
        elif here & WORD_START and after & WORD_SECOND:
            bits |= word_hints(points, start, k, end, before, classes)
        before, here = here, after
    return bits


@jit
def _hint_flags(points, doc_ends, classes, promotion):
    """For each document, the bits of the hints that may match in it."""
    flags = np.zeros(len(doc_ends), np.int64)
    start = 0
    for d in range(len(doc_ends)):
        flags[d] = doc_hints(points, start, doc_ends[d], classes, promotion)
        start = doc_ends[d]
    return flags


def hint_flags(texts: list[str]) -> np.ndarray:
    """Each text's :data:`HINTS` bits: set for every hint whose pattern matches the
    text (and perhaps a few more), in one compiled pass over the batch."""
    _, points, ends = batch_points(texts)
    return _hint_flags(points, ends, char_classes(), promotion_table())


def hash_table(keys: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """An open-addressing table of the packed keys and their columns (see :func:`build`
    and :func:`table_size`)."""
    return build(keys.astype(np.uint64), columns.astype(np.int64), table_size(len(keys)))


def char_wb_columns(
    words: list[str], char_ids: np.ndarray, space_id: int, table: tuple, ngram: tuple,
    bits: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(indptr, columns): the vocabulary columns of each word's ``char_wb`` n-grams."""
    _, points, ends = batch_points(words)
    starts = np.concatenate([[0], ends])[:-1].astype(np.int64)
    return char_wb(
        points, starts, ends, char_ids, np.uint64(space_id), ngram[0], ngram[1], bits, table
    )


def word_ngram_columns(
    ids: np.ndarray, lengths: np.ndarray, table: tuple, ngram: tuple, bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, columns): the vocabulary columns of each document's token n-grams."""
    return word_ngrams(
        ids.astype(np.uint64), lengths.astype(np.int64), ngram[0], ngram[1], bits, table
    )


def doc_counts(groups: tuple, n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, columns, counts) of each document from ``groups`` = (doc_ptr, items,
    item_ptr, item_columns): a document's columns are those of its items."""
    return _doc_counts(*groups, n_features)


def doc_scores(
    groups: tuple, idf: np.ndarray, coef: np.ndarray, sublinear: bool, binary: bool, norm: int
) -> tuple[np.ndarray, np.ndarray]:
    """(dot with ``coef``, norm) of each document's TF-IDF row, from ``groups``."""
    return _doc_scores(*groups, idf, coef, sublinear, binary, norm)


def doc_rows(
    groups: tuple, tf: np.ndarray, idf: np.ndarray, coef: np.ndarray, norm: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(indptr, columns, values, products, dots, largest count) of each document's TF-IDF row
    from ``groups`` (see :func:`_doc_rows`)."""
    return _doc_rows(*groups, tf, idf, coef, norm)


def top_entries(
    bounds: np.ndarray, products: np.ndarray, columns: np.ndarray, label_ids: np.ndarray,
    rows: list[int], towards_spam: list[bool], top: int,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The positions of the entries giving each row's reasons, row after row, and how
    many each row got (see :func:`_top_entries`)."""
    directions = np.array([1.0 if spam else -1.0 for spam in towards_spam])
    return _top_entries(
        bounds, products, columns, label_ids, np.array(rows, np.int64), directions, top
    )


def unit_index(units: list[str]) -> tuple[tuple, np.ndarray, np.ndarray]:
    """What :func:`unit_id` finds tokens with: (the table, hashes and starts of the
    units), the units' code points and where each ends; unit ``u`` has id ``u + 1``."""
    _, points, ends = batch_points(units)
    return _unit_index(points, ends), points, ends


def word_part(units: tuple, ngram: tuple, bits: int, table: np.ndarray, weights: tuple) -> tuple:
    """A word part with :data:`~winnow.ngrams.WORD_TOKEN_PATTERN`'s tokens, as
    :func:`joined_rows` reads it: ``units`` from :func:`unit_index`, ``weights`` (tf,
    idf, coef, norm) as :func:`doc_rows` takes them."""
    index, unit_points, unit_ends = units
    return (token_classes(), index, unit_points, unit_ends, ngram, bits, table, weights)


def char_part(
    char_ids: np.ndarray, space_id: int, ngram: tuple, bits: int, table: np.ndarray,
    weights: tuple,
) -> tuple:  # fmt: skip
    """A ``char_wb`` part, as :func:`joined_rows` reads it (``weights`` as in
    :func:`word_part`)."""
    return (char_classes(), char_ids, np.uint64(space_id), ngram, bits, table, weights)


def joined_rows(
    points: np.ndarray, doc_ends: np.ndarray, word: tuple, char: tuple, word_first: bool,
    offsets: tuple[int, int], intercept: float,
) -> tuple:  # fmt: skip
    """Both parts' rows side by side and the documents' decisions, in one call from the
    batch's code points (see :func:`_joined_rows`)."""
    return _joined_rows(points, doc_ends, word, char, word_first, offsets, intercept)
