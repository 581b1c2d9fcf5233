"""Page segmentation: which lines of a scraped page are title, body, boilerplate or comment.

Plain text pages carry no markup, so each line is scored by a learned line
classifier (TF-IDF plus layout and style features), and the scores are decoded
over the whole page with a Viterbi pass that enforces the page's order: title,
body and boilerplate come first; once the comment section has begun only
comments and boilerplate follow, so an article-like paragraph there (a comment
quoting a report) stays a comment.
"""

from __future__ import annotations

import difflib
import gc
import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from winnow.pages import Page

KINDS = ("title", "body", "boilerplate", "comment")
TITLE, BODY, BOILERPLATE, COMMENT = range(4)
# Viterbi states: the page head (title and boilerplate before the article), the
# article (body, boilerplate, and the title again only where a line repeats it), and
# the comment section (comments and boilerplate).
STATE_KINDS = (TITLE, BOILERPLATE, BODY, BOILERPLATE, TITLE, COMMENT, BOILERPLATE)
HEAD, ARTICLE, SECTION = (0, 1), (2, 3, 4), (5, 6)
TITLE_AGAIN, SECTION_COMMENT, SECTION_BOILERPLATE = 4, 5, 6

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_FIRST_PERSON = {"i", "i'm", "im", "me", "my", "mine", "i've", "i'd", "myself"}
_SECOND_PERSON = {"you", "your", "you're", "youre", "u", "ur"}
_PUBLISHER = {"we", "us", "our", "ours", "we're", "we've", "we'll", "ourselves"}
_APPEAL = {
    "support", "donate", "donation", "donations", "subscribe", "subscription", "member",
    "members", "membership", "gift", "contribute", "contribution", "newsletter", "give",
    "help", "fund", "funded", "independent", "sign", "join", "become",
}  # fmt: skip
_PRICE = re.compile(r"[$€£]\s?\d|\d\s?[$€£]|\b(?:a|per) (?:month|year|week)\b", re.IGNORECASE)
_READER_TALK = re.compile(
    r"(?:^|\s)@\w|\b(?:the|this) (?:article|story|piece|author|writer|reporter)\b", re.IGNORECASE
)
_SECTION_HEADING = re.compile(
    r"\b(?:comments?|discussion|repl(?:y|ies)|answers?|responses?|thoughts?|reactions)\b",
    re.IGNORECASE,
)
_EMOJI = re.compile("[\U0001f300-\U0001faff]")  # faces and pictographs: readers use them
_NUMBERS_ONLY = re.compile(r"^[\d\s.,:;$€£%#|/+\-–—()]+$")
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$")
_BULLET = re.compile(r"^\s*(?:[-•*·▪◦–—]|\d{1,2}[.)])\s+")
_DATE = re.compile(
    r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
    r"nov|dec)[a-z]*\.? \d{1,2},? \d{4})\b",
    re.IGNORECASE,
)
_ENGLISH_STOPWORDS = frozenset((
    "the", "a", "an", "of", "to", "in", "and", "is", "that", "for", "on", "with", "as", "was",
    "by", "it", "at", "from", "are", "be", "this", "have", "has", "will", "were", "not", "but",
    "or", "which", "their", "its", "been", "they", "who", "would",
))  # fmt: skip
_WORDS, _STOPWORDS = 1, -1  # positions in the style vector
_LEXICONS = (_FIRST_PERSON, _SECOND_PERSON, _PUBLISHER, _APPEAL, _ENGLISH_STOPWORDS)
_LEXICONS_OF = {
    w: [i for i, lex in enumerate(_LEXICONS) if w in lex] for w in set().union(*_LEXICONS)
}
_QUOTES = "\"“”«»„'‘’"


@dataclass
class PageLine:
    """A non-blank line of a page with the context the classifier looks at."""

    number: int
    text: str
    position: float = 0.0
    blank_before: bool = False
    blank_after: bool = False
    repeats: int = 0
    style: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    context: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    page_gap: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    words: list[str] = field(default_factory=list, repr=False)  # casefolded
    before_words: list[str] = field(default_factory=list, repr=False)
    after_words: list[str] = field(default_factory=list, repr=False)
    shape_repeats: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    list_run: float = 0.0
    masthead: float = 0.0
    shape: str | None = None


def page_lines(text: str) -> list[PageLine]:
    """The page's non-blank lines (1-based numbers), with their layout and context."""
    raw = text.split("\n")
    lines = [PageLine(i + 1, line.rstrip("\r")) for i, line in enumerate(raw) if line.strip()]
    if not lines:
        return []
    folded = [_fold(line.text) for line in lines]
    counts = Counter(folded)
    for line, text in zip(lines, folded, strict=True):
        line.shape = _shape(line.text)
        line.words = _WORD.findall(text)  # the bullet and spacing _fold drops hold no word
    shapes = np.concatenate([[0.0], _shape_repeats(lines), [0.0]])  # previous, own, next
    styles = np.asarray([_style(line.text, line.words) for line in lines])
    styles = styles.reshape(len(lines), -1)
    gaps = _page_gaps(styles)
    contexts = _contexts(styles)
    runs = _list_runs(lines, raw)
    names = _masthead_terms(folded)
    for index, line in enumerate(lines):
        line.position = index / max(len(lines) - 1, 1)
        line.blank_before = line.number > 1 and not raw[line.number - 2].strip()
        line.blank_after = line.number < len(raw) and not raw[line.number].strip()
        line.repeats = counts[folded[index]] - 1
        line.style = styles[index]
        line.context = contexts[index]
        line.page_gap = gaps[index]
        line.before_words = lines[index - 1].words if index else []
        line.after_words = lines[index + 1].words if index + 1 < len(lines) else []
        line.shape_repeats = shapes[index : index + 3]
        line.list_run = runs[index]
        line.masthead = float(_names_site(folded[index], line.words, names))
    return lines


def _masthead_terms(folded: Sequence[str], head: int = 3, max_words: int = 4) -> set[str]:
    """The site's name as the page's first short lines show it (its logo, its masthead):
    word pairs, or the word of a one-word logo. A line naming the site itself ("Metro
    Sport Daily is part of...") is the publisher speaking, not a reader."""
    terms: set[str] = set()
    for text in folded[:head]:
        words = _WORD.findall(text)
        if len(words) == 1 and len(words[0]) >= 5:
            terms.add(words[0])
        elif 2 <= len(words) <= max_words:
            terms.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return terms


def _names_site(text: str, words: Sequence[str], terms: set[str]) -> bool:
    """Whether a (folded) line, of these words, names the site: one of its masthead terms."""
    if not any(all(w in text for w in term.split(" ")) for term in terms):
        return False  # the common case, settled without pairing up the line's words
    return any(w in terms for w in words) or any(
        f"{a} {b}" in terms for a, b in itertools.pairwise(words)
    )


_SHAPE_TOKEN = re.compile(r"[^\W\d_]+|\d+|\S")


def _shape(text: str, max_tokens: int = 16) -> str | None:
    """A short line's skeleton: words and numbers reduced to placeholders, punctuation
    kept ("Ann Lee — 3 hours ago" -> "w — 0 w"). Long lines have none."""
    tokens = _SHAPE_TOKEN.findall(text)
    if len(tokens) > max_tokens:
        return None
    kinds = ["w" if t[0].isalpha() else "0" if t[0].isdigit() else t for t in tokens]
    return " ".join(k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1])


def _shape_repeats(lines: Sequence[PageLine]) -> np.ndarray:
    """How many other lines of the page share each line's skeleton (log scale): the
    author, date and "Reply" lines around comments repeat theirs, comments do not."""
    shapes = [line.shape for line in lines]
    counts = Counter(shapes)
    return np.asarray([np.log1p(counts[s] - 1) if s else 0.0 for s in shapes])


_SENTENCE_SHAPE = frozenset("w.!?,")


def tie_shapes(lines: Sequence[PageLine], proba: np.ndarray, weight: float) -> np.ndarray:
    """Pull the kind probabilities of lines that share a skeleton towards their mean.

    A site prints its furniture from templates ("Ann Lee (Economist, Oslo) writes:",
    "#4", "— posted by ... at 9:30 am"), so lines built alike are alike in kind, and
    a line the classifier doubts is settled by its siblings. Skeletons of plain
    sentences ("w ." for "Good.", "Add a comment.") say nothing and are not tied.
    """
    groups: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if line.shape is not None and set(line.shape.split()) - _SENTENCE_SHAPE:
            groups.setdefault(line.shape, []).append(index)
    tied = proba.copy()
    for members in groups.values():
        if len(members) > 1:
            tied[members] = (1 - weight) * proba[members] + weight * proba[members].mean(axis=0)
    return tied


def _is_list_item(text: str, max_words: int = 14) -> bool:
    """A short line that is not a finished sentence: a headline, a link, a menu entry."""
    stripped = text.strip()
    return 2 <= len(stripped.split()) <= max_words and not stripped.endswith((".", "!", '"', "”"))


def _list_runs(lines: Sequence[PageLine], raw: Sequence[str]) -> np.ndarray:
    """Length (log scale) of the unbroken block of list-item lines each line is in:
    related-link lists come in runs of headlines, a comment rarely does."""
    items = [_is_list_item(line.text) for line in lines]
    runs = np.zeros(len(lines))
    start = 0
    for index in range(1, len(lines) + 1):
        breaks = (
            index == len(lines)
            or items[index] != items[start]
            or not raw[lines[index].number - 2].strip()
        )
        if breaks:
            runs[start:index] = np.log1p(index - start) if items[start] else 0.0
            start = index
    return runs


def _page_gaps(styles: np.ndarray) -> np.ndarray:
    """How far each line is from the page's own prose (its paragraphs of 8+ words)
    in language and length: comments in another language or register stand out."""
    if not len(styles):
        return styles
    prose = styles[styles[:, _WORDS] >= np.log1p(8)]
    reference = np.median(prose if len(prose) else styles, axis=0)
    return np.abs(styles[:, [_STOPWORDS, _WORDS]] - reference[[_STOPWORDS, _WORDS]])


def _contexts(styles: np.ndarray) -> np.ndarray:
    """Style of each line's previous and next line; at the page's edges, the line itself
    stands in for the missing neighbour, and flags say that it is missing."""
    previous = np.vstack([styles[:1], styles[:-1]])
    following = np.vstack([styles[1:], styles[-1:]])
    edges = np.zeros((len(styles), 2))
    edges[0, 0] = edges[-1, 1] = 1.0
    return np.hstack([previous, following, edges])


def _fold(text: str) -> str:
    return " ".join(_casefold(_BULLET.sub("", text)).split())


def _casefold(text: str) -> str:
    """``str.casefold``, by ``lower`` where that is the same (ASCII): regular expressions
    then scan the result several times faster."""
    return text.lower() if text.isascii() else text.casefold()


def _lexicon_shares(words: Sequence[str]) -> list[float]:
    """Share of the words in each of _LEXICONS, in one pass over the words (this runs
    for every line of every page, so it avoids a pass per lexicon)."""
    counts = [0] * len(_LEXICONS)
    for word in words:
        for index in _LEXICONS_OF.get(word, ()):
            counts[index] += 1
    return [count / max(len(words), 1) for count in counts]


def _style(text: str, words: Sequence[str] | None = None) -> list[float]:
    """Style of one line: length, persons, punctuation, quotes, numbers, links, casing,
    and the publisher's voice ("we", "support", "$5 a month") against a reader's.
    ``words`` are the line's casefolded words, where the caller has them already."""
    stripped = text.strip()
    folded = _casefold(stripped)
    words = _WORD.findall(folded) if words is None else words
    n_words = max(len(words), 1)
    capitalised = sum(w[:1].isupper() for w in _WORD.findall(stripped))
    first, second, publisher, appeal, stopwords = _lexicon_shares(words)
    return [
        np.log1p(len(stripped)),
        np.log1p(len(words)),
        first,
        second,
        min(stripped.count("?"), 3) + min(stripped.count("!"), 3),
        float(stripped[:1] in _QUOTES),
        float(any(q in stripped for q in _QUOTES)),
        float(stripped[-1:] in '.!?"”’)'),
        float(stripped.endswith((":", "..", "…"))),
        float(bool(_NUMBERS_ONLY.match(stripped))),
        float(bool(_URL_ONLY.match(stripped))),
        capitalised / n_words,
        sum(map(str.isupper, stripped)) / max(len(stripped), 1),
        float(bool(_BULLET.match(text))),
        float(text[:1].isspace()),
        float(_has_date(stripped)),
        float("|" in stripped or "›" in stripped or "»" in stripped),
        publisher,
        appeal,
        float(_has_price(stripped, folded)),
        float(_talks_to_readers(stripped, folded)),
        float(bool(_EMOJI.search(stripped))),
        stopwords,
    ]


# Cheap tests that every line a pattern matches passes (most lines fail them), so the
# slower patterns, tried at every position of a line, run on few lines.
_DIGIT = re.compile(r"\d")
_PERIODS = ("month", "year", "week")
_TALK_WORDS = ("article", "story", "piece", "author", "writer", "reporter")


def _has_date(text: str) -> bool:
    return bool(_DIGIT.search(text) and _DATE.search(text))


def _has_price(text: str, folded: str) -> bool:
    maybe = any(c in text for c in "$€£") or any(p in folded for p in _PERIODS)
    return bool(maybe and _PRICE.search(text))


def _talks_to_readers(text: str, folded: str) -> bool:
    maybe = "@" in text or any(w in folded for w in _TALK_WORDS)
    return bool(maybe and _READER_TALK.search(text))


class LayoutFeatures(TransformerMixin, BaseEstimator):
    """Dense layout and style features of a line and of its neighbours."""

    def fit(self, X: Sequence[PageLine], y: object = None) -> LayoutFeatures:
        return self

    def transform(self, X: Sequence[PageLine]) -> np.ndarray:
        vectors = [
            np.asarray([getattr(line, name) for line in X], dtype=float).reshape(len(X), -1)
            for name in ("style", "context", "page_gap", "shape_repeats")
        ]
        scalars = [
            [
                line.list_run,
                line.masthead,
                line.position,
                line.blank_before,
                line.blank_after,
                min(line.repeats, 3),
            ]
            for line in X
        ]
        return np.hstack([*vectors, np.asarray(scalars, dtype=float).reshape(len(X), -1)])


def line_texts(lines: Sequence[PageLine]) -> list[str]:
    """The text of each line, for the TF-IDF branch."""
    return [line.text for line in lines]


def neighbour_texts(lines: Sequence[PageLine]) -> list[str]:
    """The previous and the next line's words, each word tagged with its side, so that
    furniture around a line ("Reply", "writes:", "About the author") tells what it is."""
    return [
        " ".join([f"p_{w}" for w in line.before_words] + [f"n_{w}" for w in line.after_words])
        for line in lines
    ]


def build_line_classifier(C: float = 1.0) -> Pipeline:
    """TF-IDF of the line and of its neighbours, and layout features, into a multinomial
    logistic regression over KINDS."""
    words = Pipeline(
        [
            ("text", FunctionTransformer(line_texts)),
            (
                "tfidf",
                TfidfVectorizer(
                    ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20000
                ),
            ),
        ]
    )
    neighbours = Pipeline(
        [
            ("text", FunctionTransformer(neighbour_texts)),
            ("tfidf", TfidfVectorizer(min_df=2, sublinear_tf=True, token_pattern=r"\S+")),
        ]
    )
    layout = Pipeline([("dense", LayoutFeatures()), ("scale", StandardScaler())])
    return Pipeline(
        [
            (
                "features",
                FeatureUnion([("words", words), ("neighbours", neighbours), ("layout", layout)]),
            ),
            ("classifier", LogisticRegression(C=C, class_weight="balanced", max_iter=3000)),
        ]
    )


def viterbi(
    proba: np.ndarray,
    enter_penalty: np.ndarray | float,
    switch_penalty: float,
    quote_weight: np.ndarray | float,
    forced_body: set[int] | None = None,
    repeated: np.ndarray | None = None,
) -> np.ndarray:
    """Best kind per line under the page-order constraint (see the module docstring).

    ``proba`` is (lines x KINDS) from the line classifier; ``enter_penalty`` is
    the cost of opening the comment section at each line (or one number). Inside the comment
    section a line that reads like article text is a comment quoting one, so
    the comment state there takes ``quote_weight`` (per line, or one number)
    of the body probability too. Once the article has begun, a title can only
    be a ``repeated`` line (a headline shown again), so a short comment with
    a headline's looks is not taken for one.
    ``forced_body`` lines can only be body. Returns one index into KINDS per line.
    """
    n = len(proba)
    if n == 0:
        return np.zeros(0, dtype=int)
    emissions = np.log(proba[:, STATE_KINDS] + 1e-9)
    emissions[:, SECTION_COMMENT] = np.log(proba[:, COMMENT] + quote_weight * proba[:, BODY] + 1e-9)
    if repeated is not None:
        emissions[~np.asarray(repeated, dtype=bool), TITLE_AGAIN] = -np.inf
    for i in forced_body or ():
        emissions[i] = -np.inf
        emissions[i, [STATE_KINDS.index(BODY)]] = 0.0
    enter = np.broadcast_to(np.asarray(enter_penalty, dtype=float), n)
    transitions = _transitions(switch_penalty)
    entry = np.zeros_like(transitions)
    entry[[*HEAD, *ARTICLE], SECTION_COMMENT] = 1.0
    start = np.zeros(len(STATE_KINDS))
    start[[TITLE_AGAIN, SECTION_BOILERPLATE]] = -np.inf
    start[SECTION_COMMENT] = -enter[0]
    score = emissions[0] + start
    back = np.zeros((n, len(STATE_KINDS)), dtype=int)
    for i in range(1, n):
        candidates = score[:, None] + transitions - enter[i] * entry
        back[i] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + emissions[i]
    states = np.empty(n, dtype=int)
    states[-1] = int(score.argmax())
    for i in range(n - 1, 0, -1):
        states[i - 1] = back[i, states[i]]
    return np.asarray(STATE_KINDS)[states]


def _transitions(switch_penalty: float) -> np.ndarray:
    """Log transition scores: switching kind costs ``switch_penalty``, the page only
    moves forward (head, article, comment section), and the comment section
    opens with a comment (its entry cost is added per line)."""
    size = len(STATE_KINDS)
    t = np.full((size, size), -np.inf)
    for earlier, later in ((HEAD, HEAD), (HEAD, ARTICLE), (ARTICLE, ARTICLE), (SECTION, SECTION)):
        for a in earlier:
            for b in later:
                t[a, b] = 0.0 if STATE_KINDS[a] == STATE_KINDS[b] else -switch_penalty
    for a in (*HEAD, *ARTICLE):
        t[a, SECTION_COMMENT] = 0.0
    return t


def announced(lines: Sequence[PageLine], window: int = 6) -> np.ndarray:
    """Whether one of the ``window`` lines before each line names a comment section
    ("3 Comments", "Discussion", "2 Answers", "Leave a reply"): sites announce their
    comments, so a section opened there needs less evidence from the comments."""
    heading = np.asarray([bool(_SECTION_HEADING.search(line.text)) for line in lines], dtype=int)
    before = np.concatenate([[0], np.cumsum(heading)])
    start = np.maximum(np.arange(len(lines)) - window, 0)
    return before[np.arange(len(lines))] - before[start] > 0


def _paragraph_weight(lines: Sequence[PageLine], full: int = 15) -> np.ndarray:
    """How much a line reads as a paragraph (1 at ``full`` words or more): only
    paragraphs, not short headline-like lines, can be a comment quoting a text."""
    return np.asarray([min(len(line.text.split()) / full, 1.0) for line in lines])


def aligned_lines(lines: Sequence[PageLine], article: str, min_chars: int = 25) -> set[int]:
    """Indices of page lines that are, in order, lines of the known article text.

    Matching is monotonic (longest common subsequence of folded lines), so a
    later comment quoting an article line is not taken for the article itself.
    """
    reference = [_fold(line) for line in article.split("\n") if len(_fold(line)) >= min_chars]
    page = [_fold(line.text) for line in lines]
    matcher = difflib.SequenceMatcher(a=page, b=reference, autojunk=False)
    return {
        block.a + k
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
        if len(page[block.a + k]) >= min_chars
    }


@dataclass
class Segment:
    """A run of a page with one kind; comments are one segment per comment unit."""

    kind: str
    text: str
    confidence: float
    line_start: int | None = None
    line_end: int | None = None
    element: str | None = None
    author: str | None = None
    author_url: str | None = None
    lines: list[int] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("lines")
        return {k: v for k, v in data.items() if v is not None}


class PageSegmenter(BaseEstimator):
    """Learns to label page lines from annotated pages; segments text and HTML pages.

    ``fit`` takes a list of page texts and, for each, the list of KINDS of its
    non-blank lines (in order).
    """

    def __init__(
        self,
        C: float = 3.0,
        enter_penalty: float = 14.0,
        announced_penalty: float = 4.0,
        switch_penalty: float = 0.3,
        quote_weight: float = 0.8,
        shape_weight: float = 0.8,
    ):
        self.C = C
        self.enter_penalty = enter_penalty
        self.announced_penalty = announced_penalty
        self.switch_penalty = switch_penalty
        self.quote_weight = quote_weight
        self.shape_weight = shape_weight

    def fit(self, pages: Sequence[str], kinds: Sequence[Sequence[str]]) -> PageSegmenter:
        lines, labels = [], []
        for text, page_kinds in zip(pages, kinds, strict=True):
            page = page_lines(text)
            if len(page) != len(page_kinds):
                raise ValueError(f"{len(page)} non-blank lines but {len(page_kinds)} labels")
            lines.extend(page)
            labels.extend(KINDS.index(k) for k in page_kinds)
        self.classifier_ = build_line_classifier(self.C).fit(lines, labels)
        return self

    def line_kinds(
        self, text: str, article: str | None = None
    ) -> tuple[list[PageLine], list[str], np.ndarray]:
        """Decoded kind and its confidence for every non-blank line of a text page."""
        with _collector_paused():
            lines = page_lines(text)
            if not lines:
                return [], [], np.zeros(0)
            proba = tie_shapes(lines, self._proba(lines), self.shape_weight)
        forced = aligned_lines(lines, article) if article else set()
        decoded = viterbi(
            proba,
            np.where(announced(lines), self.announced_penalty, self.enter_penalty),
            self.switch_penalty,
            self.quote_weight * _paragraph_weight(lines),
            forced,
            np.asarray([line.repeats > 0 for line in lines]),
        )
        confidence = np.where(
            [i in forced for i in range(len(lines))], 1.0, proba[np.arange(len(lines)), decoded]
        )
        return lines, [KINDS[k] for k in decoded], confidence

    def _proba(self, lines: list[PageLine]) -> np.ndarray:
        proba = np.zeros((len(lines), len(KINDS)))
        proba[:, self.classifier_.classes_] = self.classifier_.predict_proba(lines)
        return proba

    def segment_text(self, text: str, article: str | None = None) -> list[Segment]:
        """Ordered segments of a plain-text page; ``article`` is its known article text."""
        lines, kinds, confidence = self.line_kinds(text, article)
        return group_segments(text, lines, kinds, confidence)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold Python's cycle collector while a page's lines are built and scored: a large
    page creates objects by the hundred thousand (no cycles among them), and the
    collector's repeated passes over them cost a tenth of the time on a 1 MB page."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def group_segments(
    text: str, lines: list[PageLine], kinds: list[str], confidence: np.ndarray
) -> list[Segment]:
    """Merge runs of one kind into segments, and split comments into comment units.

    Comment units follow the page's own markers: where blank lines or
    boilerplate (author lines, dates, "Reply") separate comments, a unit is a
    run of comment lines between markers; where nothing marks the boundaries,
    each line is its own unit.
    """
    marked = _comment_section_has_markers(lines, kinds)
    segments: list[Segment] = []
    for line, kind, conf in zip(lines, kinds, confidence, strict=True):
        last = segments[-1] if segments else None
        joins = (
            last is not None
            and last.kind == kind
            and (kind != "comment" or (marked and not line.blank_before))
        )
        if joins:
            last.text += "\n" + line.text.strip()
            last.lines.append(line.number)
            last.line_end = line.number
            last.confidence = min(last.confidence, float(conf))
        else:
            segments.append(
                Segment(
                    kind,
                    line.text.strip(),
                    float(conf),
                    line.number,
                    line.number,
                    lines=[line.number],
                )
            )
    return segments


def _comment_section_has_markers(lines: list[PageLine], kinds: list[str]) -> bool:
    """Whether blank lines or boilerplate lines separate the page's comments."""
    if "comment" not in kinds:
        return False
    first, last = kinds.index("comment"), len(kinds) - kinds[::-1].index("comment")
    section = list(zip(lines[first:last], kinds[first:last], strict=True))
    return any(line.blank_before for line, kind in section[1:] if kind == "comment") or any(
        kind == "boilerplate" for _, kind in section
    )


def segment_page(segmenter: PageSegmenter, page: Page, article: str | None = None) -> list[Segment]:
    """Segments of a page: HTML by its markup (see :mod:`winnow.extract`), text by lines."""
    if page.is_html:
        from winnow.extract import segment_html

        return segment_html(page.text, lambda text: segmenter.segment_text(text, article))
    return segmenter.segment_text(page.text, article)


def _long_lines(text: str, min_chars: int = 25) -> set[str]:
    folded = (_fold(line.text) for line in page_lines(text))
    return {line for line in folded if len(line) >= min_chars}


def find_references(
    segmenter: PageSegmenter, pages: Sequence[Page], min_shared: int = 3
) -> dict[int, str]:
    """For text pages scraped twice (once with comments, once without), the article text
    of the twin: page index -> article of the page sharing most of its long lines."""
    texts = [p.text if not p.is_html else "" for p in pages]
    folded = [_long_lines(text) for text in texts]
    references: dict[int, str] = {}
    for i, own in enumerate(folded):
        shared = [(len(own & other), j) for j, other in enumerate(folded) if j != i and own]
        best = max(shared, default=(0, -1))
        if best[0] >= min_shared:
            references[i] = _twin_article(segmenter, texts[best[1]])
    return references


def _twin_article(segmenter: PageSegmenter, text: str, min_words: int = 8) -> str:
    """The article of a twin page: its body lines, and its prose paragraphs even where
    the segmenter took them for boilerplate; alignment keeps only what both pages share."""
    lines, kinds, _ = segmenter.line_kinds(text)
    return "\n".join(
        line.text
        for line, kind in zip(lines, kinds, strict=True)
        if kind == "body" or (kind == "boilerplate" and len(line.text.split()) >= min_words)
    )
