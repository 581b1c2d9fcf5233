"""Request and response bodies of the native JSON API (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from winnow.moderation import Comment, Judgement
from winnow.store import KeyRecord

MAX_COMMENT_CHARS = 65_536
MAX_ARTICLE_CHARS = 262_144
MAX_FIELD_CHARS = 2_048


def _no_lone_surrogates(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate: not valid Unicode text") from None
    return value


def _text(max_length: int, **extra: Any) -> Any:
    return Annotated[
        str, Field(max_length=max_length, **extra), AfterValidator(_no_lone_surrogates)
    ]


Short = _text(MAX_FIELD_CHARS)


class CommentIn(BaseModel):
    """One reader comment. Only ``text`` is required."""

    text: _text(MAX_COMMENT_CHARS, min_length=1, description="The comment as the reader wrote it.")
    author: Short | None = None
    author_url: Short | None = None
    author_email: Short | None = None
    user_ip: Short | None = None
    permalink: Short | None = Field(None, description="URL of the article commented on.")
    article_text: _text(MAX_ARTICLE_CHARS) | None = None
    site: Short | None = Field(None, description="Must be the API key's site when given.")

    def comment(self) -> Comment:
        """The library's comment (field by field: ``model_dump`` costs more than a check's
        parsing)."""
        return Comment(
            text=self.text,
            author=self.author,
            author_email=self.author_email,
            author_url=self.author_url,
            user_ip=self.user_ip,
            permalink=self.permalink,
            article_text=self.article_text,
            site=self.site,
        )


class BatchIn(BaseModel):
    comments: list[CommentIn] = Field(min_length=1, description="At most WINNOW_MAX_BATCH.")


class FeedbackIn(CommentIn):
    label: Literal["spam", "ham"] = Field(description="The moderator's decision.")


class Reason(BaseModel):
    ngram: str = Field(description="A word or character n-gram of the comment.")
    kind: str = Field(description="'word' or 'char'.")
    weight: float = Field(description="Its push towards spam (+) or ham (-).")


class CheckOut(BaseModel):
    spam_probability: float
    verdict: Literal["ham", "spam", "discard"]
    reasons: list[Reason]
    model_version: str
    guid: str = Field(description="Names this check in the log.")


def check_answer(judgement: Judgement) -> dict[str, Any]:
    """A :class:`CheckOut` as a plain dict, built without model validation (the
    fields come from a :class:`Judgement`, already of the right types). The model's
    reasons are already :class:`Reason`'s fields and no more (a test checks it); the
    note of a test convention is not a reason."""
    return {
        "spam_probability": judgement.spam_probability,
        "verdict": judgement.verdict,
        "reasons": [r for r in judgement.reasons if "ngram" in r],
        "model_version": judgement.model_version,
        "guid": judgement.guid,
    }


class BatchOut(BaseModel):
    results: list[CheckOut]
    model_version: str


class FeedbackOut(BaseModel):
    id: int
    label: Literal["spam", "ham"]
    stored: bool = True


class ModelOut(BaseModel):
    version: str
    created_at: str | None
    spam_threshold: float
    discard_threshold: float
    metrics: dict[str, Any]
    training_data: list[dict[str, Any]]


class Problem(BaseModel):
    """An error answer: ``detail`` says what was wrong."""

    detail: str


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="Where: 'body', then the field's path.")
    msg: str
    type: str


class Invalid(BaseModel):
    """A 422: the fields that failed validation, or one sentence (a batch over the limit)."""

    detail: list[FieldProblem] | str


PROBLEMS: dict[int, tuple[type[BaseModel], str]] = {
    400: (Problem, "The body could not be read (not UTF-8, say)."),
    401: (Problem, "Missing, invalid or revoked API key."),
    403: (Problem, "A comment names another site than the key's, or the key's role forbids it."),
    404: (Problem, "No such active key."),
    409: (Problem, "An admin key cannot revoke itself."),
    413: (Problem, "Request body over WINNOW_MAX_BODY_BYTES."),
    422: (Invalid, "The request does not fit the schema."),
    429: (Problem, "Over the key's or the address's rate limit: retry after Retry-After s."),
    503: (Problem, "No model loaded, the database unavailable, or an internal error."),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of these error statuses (their models and meanings)."""
    return {
        status: {"model": PROBLEMS[status][0], "description": PROBLEMS[status][1]}
        for status in statuses
    }


class Status(BaseModel):
    status: str
    model_version: str | None = None
    database: str | None = None
    detail: str | None = None


class KeyIn(BaseModel):
    """A new site key: the site it is for and, optionally, its own thresholds."""

    site: Short = Field(description="The site's URL (Akismet's 'blog').")
    # strict: a number, as the schema says (true/false or "0.5" would be taken for one)
    spam_threshold: float | None = Field(None, ge=0, le=1, strict=True)
    discard_threshold: float | None = Field(None, ge=0, le=1, strict=True)


class KeyOut(BaseModel):
    """A key as stored: its prefix, never the key or its hash."""

    prefix: str
    site: str
    role: Literal["site", "admin"]
    created_at: str
    revoked_at: str | None = None
    spam_threshold: float | None = None
    discard_threshold: float | None = None

    @classmethod
    def of(cls, record: KeyRecord) -> KeyOut:
        return cls(**{name: getattr(record, name) for name in cls.model_fields})


class NewKeyOut(KeyOut):
    key: str = Field(description="The key itself: shown once, stored only hashed.")


class ReloadOut(BaseModel):
    model_version: str | None
    reloaded: bool = Field(description="Whether a newly promoted model was swapped in.")
    detail: str | None = Field(None, description="Why the promoted model was refused, if it was.")
