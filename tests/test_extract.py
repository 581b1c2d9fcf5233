from winnow.extract import segment_html, visible_text
from winnow.segment import Segment

WORDPRESS = """<!DOCTYPE html><html><head><title>t</title><script>var x = 1;</script></head><body>
<nav><a href="/">Home</a></nav>
<article><h1 class="entry-title">Council approves the new bridge</h1>
<div class="entry-content"><p>The council voted 7-2 on Tuesday.</p><p>Work starts in May.</p></div>
<div class="share">Share this</div></article>
<section id="comments"><h2 class="comments-title">2 comments</h2>
<ol class="comment-list">
<li class="comment" id="comment-1"><article class="comment-body"><footer class="comment-meta">
<div class="comment-author vcard">
<b class="fn"><a href="https://ann.example.org" class="url">Ann</a></b>
<span class="says">says:</span></div></footer>
<div class="comment-content"><p>About <em>time</em>.</p><p>Second line<br>third</p></div></article>
<ol class="children"><li class="comment" id="comment-2"><article class="comment-body">
<div class="comment-author vcard"><b class="fn">Bob</b></div>
<div class="comment-content"><p>Agreed.</p></div></article></li></ol></li></ol>
<form id="commentform"><p class="comment-notes">Your email address will not be published.</p>
<textarea></textarea></form></section>
<footer>© Courier</footer></body></html>"""


def no_text_segmenter(text: str) -> list[Segment]:
    raise AssertionError("the markup should have been enough")


def test_wordpress_comments_with_authors_and_the_article():
    segments = segment_html(WORDPRESS, no_text_segmenter)
    kinds = [(s.kind, s.text) for s in segments]
    assert kinds == [
        ("title", "Council approves the new bridge"),
        ("body", "The council voted 7-2 on Tuesday."),
        ("body", "Work starts in May."),
        ("comment", "About time.\nSecond line\nthird"),
        ("comment", "Agreed."),
    ]
    ann, bob = segments[-2:]
    assert (ann.author, ann.author_url) == ("Ann", "https://ann.example.org")
    assert (bob.author, bob.author_url) == ("Bob", None)
    assert ann.element.endswith("li#comment-1>article.comment-body>div.comment-content")


def test_disqus_and_schema_org_markup():
    disqus = (
        '<div id="disqus_thread"><div class="post"><span class="author">kim</span>'
        '<div class="post-message"><p>Nice one</p></div></div></div>'
    )
    schema = (
        '<div itemprop="comment" itemscope><span itemprop="author">Lee</span>'
        '<div itemprop="text">Thanks for this</div></div>'
    )
    assert [(s.text, s.author) for s in segment_html(disqus, no_text_segmenter)] == [
        ("Nice one", "kim")
    ]
    assert [(s.text, s.author) for s in segment_html(schema, no_text_segmenter)] == [
        ("Thanks for this", "Lee")
    ]


def test_pages_without_comment_markup_fall_back_to_text_segmentation():
    seen = []
    html = "<html><body><h1>Title</h1><p>One.</p><div>Two</div><script>x()</script></body></html>"

    def segmenter(text: str) -> list[Segment]:
        seen.append(text)
        return [Segment("body", text, 0.9)]

    assert segment_html(html, segmenter)[0].text == "Title\nOne.\nTwo"
    assert seen == ["Title\nOne.\nTwo"]
    assert visible_text(html) == "Title\nOne.\nTwo"


def test_author_comes_from_the_comment_not_the_byline_or_the_text():
    html = (
        '<article><span itemprop="author">Jane Reporter</span><p>Story.</p><p>More.</p>'
        '</article><ol class="comment-list"><li class="comment"><div class="comment-content">'
        '<p>Ask <span class="username">@bob</span> about it</p></div></li></ol>'
    )
    (comment,) = [s for s in segment_html(html, no_text_segmenter) if s.kind == "comment"]
    assert comment.author is None


def test_a_page_wide_form_does_not_hide_the_comments():
    html = (
        '<form id="aspnetForm"><div class="comment"><span class="author">Kim</span>'
        '<div class="comment-text">Good read</div></div></form>'
    )
    (comment,) = segment_html(html, no_text_segmenter)
    assert (comment.text, comment.author) == ("Good read", "Kim")


def test_source_line_breaks_are_not_rendered_line_breaks():
    html = "<body><p>One sentence wrapped\nin the source.</p><p>Two<br>lines</p></body>"
    assert visible_text(html) == "One sentence wrapped in the source.\nTwo\nlines"
