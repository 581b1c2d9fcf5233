import numpy as np
import pytest

from winnow.segment import (
    BODY,
    BOILERPLATE,
    COMMENT,
    KINDS,
    TITLE,
    aligned_lines,
    group_segments,
    page_lines,
    viterbi,
)


def proba(*rows):
    return np.asarray(rows, dtype=float)


def test_viterbi_keeps_article_like_lines_inside_the_comment_section_as_comments():
    # title, body, a chatty comment, then a paragraph that reads like article text
    p = proba([0.9, 0.1, 0, 0], [0, 0.9, 0.05, 0.05], [0, 0.02, 0.02, 0.96], [0, 0.7, 0.0, 0.3])
    kinds = viterbi(p, enter_penalty=1.0, switch_penalty=1.0, quote_weight=0.2)
    assert kinds.tolist() == [TITLE, BODY, COMMENT, COMMENT]


def test_viterbi_needs_real_evidence_to_open_a_comment_section():
    p = proba([0, 0.9, 0.05, 0.05], [0, 0.5, 0.1, 0.4], [0, 0.9, 0.05, 0.05], [0, 0.1, 0.9, 0])
    kinds = viterbi(p, enter_penalty=3.0, switch_penalty=1.0, quote_weight=0.5)
    assert COMMENT not in kinds.tolist()
    assert kinds.tolist()[-1] == BOILERPLATE


def test_viterbi_honours_forced_body_lines():
    p = proba([0, 0.1, 0, 0.9], [0, 0.9, 0, 0.1])
    kinds = viterbi(p, 0.0, 1.0, 0.5, forced_body={0})
    assert kinds.tolist() == [BODY, BODY]


def test_alignment_is_monotonic_so_a_later_quote_stays_unaligned():
    article = (
        "The council met on Tuesday to vote on the bridge.\nWork is due to start in May next year."
    )
    page = page_lines(
        "Menu\nThe council met on Tuesday to vote on the bridge.\n"
        "  • Work is due to start in   May next year.\nGreat news!\n"
        "The council met on Tuesday to vote on the bridge.\n"
    )
    assert aligned_lines(page, article) == {1, 2}


def test_comment_units_follow_the_page_markers():
    text = "Title\nBody text.\n\nAnn says:\nFirst comment\ncontinues here\nBob says:\nSecond\n"
    lines = page_lines(text)
    kinds = ["title", "body", "boilerplate", "comment", "comment", "boilerplate", "comment"]
    segments = group_segments(text, lines, kinds, np.ones(len(lines)))
    comments = [s for s in segments if s.kind == "comment"]
    assert [(c.text, c.line_start, c.line_end) for c in comments] == [
        ("First comment\ncontinues here", 5, 6),
        ("Second", 8, 8),
    ]


def test_unmarked_comments_are_one_unit_per_line():
    text = "Body text.\nFirst comment\nSecond comment\n"
    lines = page_lines(text)
    segments = group_segments(text, lines, ["body", "comment", "comment"], np.ones(3))
    assert [s.text for s in segments if s.kind == "comment"] == ["First comment", "Second comment"]


def test_kinds_are_the_four_documented_ones():
    assert KINDS == ("title", "body", "boilerplate", "comment")


@pytest.mark.parametrize("text", ["", "\n\n   \n", "\x0c"])
def test_empty_pages_have_no_segments(bundled_segmenter, text):
    assert bundled_segmenter.segment_text(text) == []


def test_footer_after_the_comments_is_not_a_unit_marker():
    text = "Body text.\nFirst comment\nSecond comment\nFooter links\n"
    lines = page_lines(text)
    kinds = ["body", "comment", "comment", "boilerplate"]
    segments = group_segments(text, lines, kinds, np.ones(4))
    assert [s.text for s in segments if s.kind == "comment"] == ["First comment", "Second comment"]
