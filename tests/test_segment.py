import gc

import numpy as np
import pytest

from winnow.segment import (
    _NUMBERS_ONLY,
    BODY,
    BOILERPLATE,
    COMMENT,
    KINDS,
    TITLE,
    _lexicon_shares,
    _style,
    aligned_lines,
    announced,
    group_segments,
    page_lines,
    tie_shapes,
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


def test_viterbi_takes_a_headline_after_the_article_for_a_title_only_where_it_repeats():
    p = proba([0.9, 0.1, 0, 0], [0, 0.9, 0.1, 0], [0.6, 0, 0.4, 0])
    once, again = np.array([False, False, False]), np.array([False, False, True])
    assert viterbi(p, 9.0, 0.1, 0.5, repeated=once).tolist() == [TITLE, BODY, BOILERPLATE]
    assert viterbi(p, 9.0, 0.1, 0.5, repeated=again).tolist() == [TITLE, BODY, TITLE]


def test_viterbi_opens_the_comment_section_where_entry_is_cheap():
    # body, an announcing line, then one modest comment and the footer
    p = proba([0, 0.9, 0.1, 0], [0, 0, 1, 0], [0, 0, 0.1, 0.9], [0, 0, 1, 0])
    assert COMMENT not in viterbi(p, 6.0, 0.1, 0.5).tolist()
    enter = np.array([6.0, 6.0, 1.0, 1.0])
    assert viterbi(p, enter, 0.1, 0.5).tolist() == [BODY, BOILERPLATE, COMMENT, BOILERPLATE]


def test_a_comment_section_is_announced_for_the_lines_after_its_heading():
    lines = page_lines("Body text here.\n3 Comments\nAnn\nNice.\nBob\nAgreed.\nFooter\n")
    assert announced(lines, window=3).tolist() == [False, False, True, True, True, False, False]


def test_publisher_voice_and_reader_voice_are_told_apart():
    appeal = _style("We need your support: $3 a month keeps us independent.")
    reader = _style("I think the article gets this wrong, @marta.")
    publisher, appeal_words, price, reader_talk = 17, 18, 19, 20
    assert appeal[publisher] > reader[publisher]
    assert appeal[appeal_words] > reader[appeal_words]
    assert (appeal[price], reader[price]) == (1.0, 0.0)
    assert (appeal[reader_talk], reader[reader_talk]) == (0.0, 1.0)


def test_lexicon_shares_count_each_word_in_every_lexicon_it_belongs_to():
    # first person, second person, publisher, appeal, stopwords
    assert _lexicon_shares(["we", "support", "you", "and", "i"]) == [0.2, 0.2, 0.2, 0.2, 0.2]
    assert _lexicon_shares([]) == [0.0] * 5


def test_related_link_lists_form_runs_and_sentences_break_them():
    text = (
        "Related stories\nBridge to close for repairs\nNew bus route from May\n\n"
        "Great piece, thanks.\nLibrary hours cut on Saturdays\n"
    )
    runs = [line.list_run for line in page_lines(text)]
    assert runs == pytest.approx([np.log1p(3), np.log1p(3), np.log1p(3), 0.0, np.log1p(1)])


def test_comment_numbering_counts_as_a_numbers_only_line():
    assert _NUMBERS_ONLY.match("#4")
    assert not _NUMBERS_ONLY.match("#4 great point")


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


def test_a_line_naming_the_site_of_the_masthead_is_marked():
    page = "\n".join(
        [
            "Metro Sport Daily",
            "Home · Football · Cricket",
            "Ashcombe win the derby",
            "Great result, the keeper was outstanding again.",
            "Best sport on a Sunday, daily.",
            "Metro Sport Daily is part of Metro Media Group. All rights reserved.",
        ]
    )
    marked = [line.masthead for line in page_lines(page)]
    assert marked[3:] == [0.0, 0.0, 1.0]  # after the head: only the line naming the site


def test_reader_emoji_count_but_the_sites_icons_do_not():
    plain, faces, icons = (
        _style("Terrible decision."),
        _style("Terrible decision. 🤬"),
        _style("★★★ ✉ Terrible decision."),
    )
    assert sum(a != b for a, b in zip(plain, faces, strict=True)) >= 1
    emoji = [i for i, (a, b) in enumerate(zip(plain, faces, strict=True)) if a == 0.0 and b == 1.0]
    assert emoji and all(icons[i] == 0.0 for i in emoji)


def test_lines_built_alike_are_pulled_to_one_kind_but_plain_sentences_are_not():
    page = "\n".join(
        [
            "Ann Lee (Economist, Oslo) writes:",
            "Good.",
            "Bo Ek (Retired diplomat, Vienna) writes:",
            "Fine.",
        ]
    )
    lines = page_lines(page)
    doubtful = proba([0, 0, 0.9, 0.1], [0, 0, 0.1, 0.9], [0, 0, 0.4, 0.6], [0, 0, 0.9, 0.1])
    tied = tie_shapes(lines, doubtful, weight=1.0)
    assert lines[0].shape == lines[2].shape == "w ( w , w ) w :"
    assert tied[0] == pytest.approx([0, 0, 0.65, 0.35]) and tied[2] == pytest.approx(tied[0])
    assert (tied[[1, 3]] == doubtful[[1, 3]]).all()  # "w ." says nothing: untouched
    half = tie_shapes(lines, doubtful, weight=0.5)
    assert half[2] == pytest.approx([0, 0, 0.525, 0.475])
    assert (tie_shapes(lines, doubtful, weight=0.0) == doubtful).all()


def test_segmenting_leaves_the_cycle_collector_as_it_found_it(bundled_segmenter):
    page = "Title\nA body line of the article.\nGreat piece, thanks!"
    bundled_segmenter.segment_text(page)
    assert gc.isenabled()
    gc.disable()
    try:
        bundled_segmenter.segment_text(page)
        assert not gc.isenabled()
    finally:
        gc.enable()
