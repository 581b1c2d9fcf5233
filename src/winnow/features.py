"""Feature extraction: word and character n-gram TF-IDF over normalised text."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from winnow.config import ModelConfig

# Words, money amounts ("$192", "$35,475") and marker tokens; single letters are noise.
WORD_TOKEN_PATTERN = r"(?u)[$€£₹]?\b\w[\w'.,]*\w\b|[$€£₹]\d+"


def build_features(params: ModelConfig) -> FeatureUnion:
    """Word n-grams catch phrasing ("is paying"), character n-grams catch
    misspelt and obfuscated variants ("pay1ng", "c a s h") the words miss."""
    words = TfidfVectorizer(
        analyzer="word",
        token_pattern=WORD_TOKEN_PATTERN,
        ngram_range=tuple(params.word_ngram_range),
        min_df=params.word_min_df,
        sublinear_tf=params.sublinear_tf,
        max_features=params.max_features,
        lowercase=False,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=tuple(params.char_ngram_range),
        min_df=params.char_min_df,
        sublinear_tf=params.sublinear_tf,
        max_features=params.max_features,
        lowercase=False,
    )
    return FeatureUnion([("words", words), ("chars", chars)])
