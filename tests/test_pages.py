import pytest

from winnow.errors import DataError
from winnow.pages import comments_of, decode_page, read_annotated_page, read_page


def test_read_text_and_html_pages(tmp_path):
    text = tmp_path / "page.txt"
    text.write_text("Headline\nBody line\n", encoding="utf-8")
    html = tmp_path / "saved"
    html.write_text("<!DOCTYPE html><html><body><p>x</p></body></html>", encoding="utf-8")
    assert read_page(text).is_html is False
    assert read_page(html).is_html is True
    assert read_page(text).text == "Headline\nBody line\n"


def test_byte_order_marks_and_declared_charsets_are_honoured():
    assert decode_page("\ufeffhello".encode()) == "hello"
    assert decode_page("hé".encode("utf-16")) == "hé"
    latin = '<html><head><meta charset="iso-8859-1"></head><body>café</body></html>'
    assert "café" in decode_page(latin.encode("latin-1"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x7fELF\x02\x01\x00\x00binary", "binary file, not a text or HTML page"),
        (
            "caf\u00e9 cr\u00e8me".encode("latin-1"),
            "unknown encoding: not UTF-8 and no charset declared (convert the page to UTF-8)",
        ),
        (b'<meta charset="klingon"><p>\xff</p>', "cannot decode as its declared charset 'klingon'"),
    ],
)
def test_undecodable_pages_get_specific_errors(tmp_path, data, message):
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    with pytest.raises(DataError) as err:
        read_page(path)
    assert str(err.value) == f"{path}: {message}"


def test_oversized_pages_are_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50_000_000)  # a sparse 50 MB file
    with pytest.raises(DataError) as err:
        read_page(path)
    assert str(err.value) == f"{path}: page too large (50.0 MB; the limit is 20 MB)"


def test_annotated_text_page(tmp_path):
    path = tmp_path / "tpl" / "p.txt"
    path.parent.mkdir()
    path.write_text(
        "T\tHeadline\nB\tFirst paragraph.\n\nX\tShare this\n"
        "C\tGood piece.\nc\tReally.\nS\tEarn $90 an hour at cash.example\n"
    )
    page = read_annotated_page(path)
    assert page.template == "tpl"
    assert page.page.text == (
        "Headline\nFirst paragraph.\n\nShare this\nGood piece.\nReally.\n"
        "Earn $90 an hour at cash.example\n"
    )
    assert page.line_kinds() == ["title", "body", "boilerplate", "comment", "comment", "comment"]
    assert comments_of(page) == [
        {
            "text": "Good piece.\nReally.",
            "label": "ham",
            "source": "tpl",
            "article": "First paragraph.",
        },
        {
            "text": "Earn $90 an hour at cash.example",
            "label": "spam",
            "source": "tpl",
            "article": "First paragraph.",
        },
    ]


def test_annotated_text_page_with_an_untagged_line(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("T\tHeadline\nforgot the tag\n")
    with pytest.raises(DataError) as err:
        read_annotated_page(path)
    assert str(err.value) == f"{path} line 2: untagged line that is not blank"


def test_annotated_html_page_labels_are_stripped_from_the_raw_page(tmp_path):
    path = tmp_path / "p.html"
    path.write_text(
        '<html><body><h1 data-winnow="title">Big news</h1>'
        '<p data-winnow="body">It happened.</p>'
        '<div class="comment-content" data-winnow="comment" data-winnow-spam="1">'
        "<p>Buy pills</p></div></body></html>"
    )
    page = read_annotated_page(path)
    assert "data-winnow" not in page.page.text
    assert page.element_labels == [
        ("title", False, "Big news"),
        ("body", False, "It happened."),
        ("comment", True, "Buy pills"),
    ]
    assert page.line_kinds() == ["title", "body", "comment"]
    assert comments_of(page)[0]["label"] == "spam"
