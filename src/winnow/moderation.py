"""Moderation verdicts: a spam probability becomes ``ham``, ``spam`` or ``discard``.

``spam`` holds a comment for a moderator; ``discard`` is blatant spam that a site
may drop without looking (Akismet's "discard" pro-tip). Both thresholds come from
the model (chosen on cross-validated scores when it was trained) unless the
operator or the site's API key overrides them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from winnow.batching import Coalescer
from winnow.errors import ModelNotFoundError
from winnow.keys import KeyRing
from winnow.model import SpamModel
from winnow.registry import LiveModel
from winnow.store import (
    CheckLogWriter,
    CheckRecord,
    FeedbackRecord,
    KeyRecord,
    Store,
    utc_now,
)

Verdict = Literal["ham", "spam", "discard"]
REASONS_SHOWN = 5
# Judging comments of this many characters in all takes well under a millisecond
# with the compiled scorer: less than handing the call to a worker thread costs.
INLINE_CHARS = 4_000
# Up to this many comments, rows for all cost less than a second pass for the flagged.
FEW_TO_EXPLAIN = 16


@dataclass(frozen=True)
class Thresholds:
    """Spam at or above ``spam``; discard at or above ``discard`` (never below ``spam``)."""

    spam: float
    discard: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.spam <= self.discard <= 1.0:
            raise ValueError(f"need 0 <= spam ({self.spam}) <= discard ({self.discard}) <= 1")

    def verdict(self, probability: float) -> Verdict:
        if probability >= self.discard:
            return "discard"
        return "spam" if probability >= self.spam else "ham"


def model_thresholds(
    model: SpamModel, spam: float | None = None, discard: float | None = None
) -> Thresholds:
    """The model's thresholds, each replaced by an override when one is given.

    Models trained before a discard threshold was stored get one halfway between
    their spam threshold and certainty.
    """
    spam = model.threshold if spam is None else spam
    stored = model.metadata.get("discard_threshold")
    default_discard = stored if stored is not None else (1 + model.threshold) / 2
    discard = max(spam, default_discard if discard is None else discard)
    return Thresholds(spam, discard)


@dataclass(frozen=True)
class Comment:
    """One reader comment and what the CMS knows about it."""

    text: str
    author: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    user_ip: str | None = None
    permalink: str | None = None
    article_text: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class Judgement:
    """The answer for one comment; ``guid`` names the check in the log."""

    spam_probability: float
    verdict: Verdict
    model_version: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    guid: str = ""

    @property
    def is_spam(self) -> bool:
        return self.verdict != "ham"


def judge(
    model: SpamModel,
    texts: Sequence[str],
    thresholds: Thresholds,
    explain: bool = True,
    explain_ham: bool = True,
) -> list[Judgement]:
    """Score comments in one batch and say what to do with each (see :func:`judge_each`)."""
    return judge_each(model, texts, [thresholds] * len(texts), [explain_ham] * len(texts), explain)


def judge_each(
    model: SpamModel,
    texts: Sequence[str],
    thresholds: Sequence[Thresholds],
    explain_ham: Sequence[bool],
    explain: bool = True,
    names: Sequence[str] | None = None,
) -> list[Judgement]:
    """Score comments in one batch, each at its own thresholds, and say what to do
    with each; a ham verdict is explained only where its ``explain_ham`` says so.

    The texts are cleaned once. When every comment may be explained, or the batch
    is small, feature rows are computed once and give both the probabilities and
    the reasons. Otherwise the probabilities come straight from the n-gram counts
    (no feature rows), and rows are built only for the comments to explain. The
    reasons point the way of the verdict at the comment's thresholds.
    """
    docs = model.prepare(texts)
    with_rows = explain and (all(explain_ham) or len(docs) <= FEW_TO_EXPLAIN)
    probabilities, rows = model.explained(docs) if with_rows else (model.predict_proba(docs), [])
    scores = probabilities.tolist()
    verdicts = [t.verdict(p) for t, p in zip(thresholds, scores, strict=True)]
    wanted = [i for i, v in enumerate(verdicts) if explain and (explain_ham[i] or v != "ham")]
    at: Sequence[int] = wanted
    if not with_rows and wanted:
        rows, at = model.explained(docs.take(wanted))[1], range(len(wanted))
    spam = [verdicts[i] != "ham" for i in wanted]
    reasons = dict(zip(wanted, model.reasons_each(rows, at, spam, REASONS_SHOWN), strict=True))
    names = names or [""] * len(scores)
    return [
        Judgement(p, v, model.version, reasons.get(i, []), name)
        for i, (p, v, name) in enumerate(zip(scores, verdicts, names, strict=True))
    ]


def runs_inline(comments: Sequence[Comment]) -> bool:
    """Whether judging ``comments`` is quick enough to run on a server's event loop;
    longer work belongs in a worker thread, so that other requests are not held up."""
    return sum(len(c.text) for c in comments) <= INLINE_CHARS


def forced(verdict: Verdict, model: SpamModel, guid: str = "") -> Judgement:
    """A verdict fixed by a test convention rather than by the model."""
    probability = 0.0 if verdict == "ham" else 1.0
    return Judgement(probability, verdict, model.version, [{"signal": "test convention"}], guid)


CheckLogMode = Literal["off", "metadata", "full"]


@dataclass(frozen=True)
class CheckRequest:
    """One comment to check and how: for whom (``key``), through which ``api``, whether
    it is test traffic, a verdict fixed by a test convention, and whether a ham
    verdict gets reasons too."""

    comment: Comment
    key: KeyRecord | None
    api: str
    is_test: bool = False
    fixed: Verdict | None = None
    explain_ham: bool = True


class Moderator:
    """Checks comments and records feedback for both of the service's APIs.

    Thresholds are the model's, overridden by the operator's settings, overridden
    by the API key's own (per-site) thresholds. Checks go to the best-effort log
    (``off``, ``metadata`` or ``full`` text); feedback is committed before the
    call returns. ``is_test`` traffic is answered but never kept for training.
    """

    def __init__(
        self,
        live: LiveModel,
        store: Store,
        log_writer: CheckLogWriter | None = None,
        log_mode: CheckLogMode = "metadata",
        spam_threshold: float | None = None,
        discard_threshold: float | None = None,
    ) -> None:
        self.live = live
        self.store = store
        self.keys = KeyRing(store)
        self.log_writer = log_writer
        self.log_mode = log_mode
        self.spam_threshold = spam_threshold
        self.discard_threshold = discard_threshold

    def model(self) -> SpamModel:
        """The model now in service; :class:`ModelNotFoundError` when there is none."""
        model = self.live.model
        if model is None:
            raise ModelNotFoundError(self.live.error or "no model loaded")
        return model

    def thresholds(self, model: SpamModel, key: KeyRecord | None) -> Thresholds:
        spam = key.spam_threshold if key and key.spam_threshold is not None else None
        discard = key.discard_threshold if key and key.discard_threshold is not None else None
        return model_thresholds(
            model,
            spam if spam is not None else self.spam_threshold,
            discard if discard is not None else self.discard_threshold,
        )

    def check(
        self,
        comments: Sequence[Comment],
        key: KeyRecord | None,
        api: str,
        is_test: bool = False,
        fixed: Verdict | None = None,
        explain_ham: bool = True,
    ) -> list[Judgement]:
        """Judge comments of one request with one model (even if another is swapped in
        meanwhile)."""
        return self.check_each(
            [CheckRequest(c, key, api, is_test, fixed, explain_ham) for c in comments]
        )

    def check_each(self, requests: Sequence[CheckRequest]) -> list[Judgement]:
        """Judge comments of any requests (keys, APIs, thresholds) in one batch, with
        one model; each is answered and logged as its request asks."""
        model = self.model()
        guids = new_guids(len(requests))
        asked = [i for i, r in enumerate(requests) if r.fixed is None]
        judged = iter(
            judge_each(
                model,
                [requests[i].comment.text for i in asked],
                [self.thresholds(model, requests[i].key) for i in asked],
                [requests[i].explain_ham for i in asked],
                names=[guids[i] for i in asked],
            )
        )
        answers = [
            forced(r.fixed, model, guid) if r.fixed is not None else next(judged)
            for r, guid in zip(requests, guids, strict=True)
        ]
        now = utc_now()
        for request, answer in zip(requests, answers, strict=True):
            self._log(request, answer, now)
        return answers

    def feedback(
        self, comment: Comment, label: str, key: KeyRecord | None, api: str, is_test: bool = False
    ) -> int | None:
        """Store a moderator's decision; returns its id, or None for test traffic."""
        if is_test:
            return None
        fields = {k: v for k, v in asdict(comment).items() if k != "site"}
        record = FeedbackRecord(
            label=label, api=api, key_id=key.id if key else None, site=_site(comment, key), **fields
        )
        return self.store.add_feedback(record)

    def _log(self, request: CheckRequest, answer: Judgement, now: str) -> None:
        if self.log_writer is None or self.log_mode == "off":
            return
        comment, key = request.comment, request.key
        full = self.log_mode == "full" and not request.is_test
        details = {k: v for k, v in asdict(comment).items() if v and k != "text"} if full else None
        self.log_writer.put(
            CheckRecord(
                api=request.api,
                guid=answer.guid,
                verdict=answer.verdict,
                spam_probability=answer.spam_probability,
                model_version=answer.model_version,
                key_id=key.id if key else None,
                site=_site(comment, key),
                is_test=request.is_test,
                text=comment.text if full else None,
                fields=details,
                created_at=now,
            )
        )


def new_guids(count: int) -> list[str]:
    """``count`` random names for checks (128 bits each, as ``secrets.token_hex(16)``),
    drawn from the system's generator in one call."""
    drawn = os.urandom(16 * count).hex()
    return [drawn[i : i + 32] for i in range(0, 32 * count, 32)]


def check_coalescer(moderator: Moderator) -> Coalescer[CheckRequest, Judgement]:
    """Quick single checks made in one turn of a server's event loop, judged as one
    batch by ``moderator`` (see :mod:`winnow.batching`); a batch closes at
    :data:`INLINE_CHARS` characters."""
    return Coalescer(
        lambda requests: moderator.check_each(requests),
        lambda request: len(request.comment.text),
        INLINE_CHARS,
    )


def _site(comment: Comment, key: KeyRecord | None) -> str | None:
    return key.site if key else comment.site
