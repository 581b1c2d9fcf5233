"""Reading scraped pages (plain text or HTML) safely, and the team's annotated pages.

A page may come from anywhere a scraper saved it, so reading is defensive: a
binary file, an undeclared non-UTF-8 encoding or an oversized file is refused
with a specific error instead of producing garbage segments or a hang.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from winnow.errors import DataError

MAX_PAGE_BYTES = 20_000_000
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text"}
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_LOOKS_HTML = re.compile(r"^\s*(?:<!doctype html|<html|<head|<body)", re.IGNORECASE)


@dataclass
class Page:
    """A page's decoded content and whether it is HTML."""

    text: str
    is_html: bool
    path: str | None = None


def read_page(path: Path | str, max_bytes: int = MAX_PAGE_BYTES) -> Page:
    """Read a page file, refusing binary files, unknown encodings and oversized files."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    size = path.stat().st_size
    if size > max_bytes:
        raise DataError(
            path, f"page too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)"
        )
    text = decode_page(path.read_bytes(), path)
    is_html = path.suffix.lower() in HTML_SUFFIXES or bool(_LOOKS_HTML.match(text[:1000]))
    return Page(text, is_html, str(path))


def decode_page(data: bytes, path: Path | str = "<page>") -> str:
    """Decode page bytes: BOMs, UTF-8, or the charset an HTML page declares."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if b"\x00" in data[:8192]:
        raise DataError(path, "binary file, not a text or HTML page")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        return _decode_declared(data, declared.group(1).decode("ascii"), path)
    raise DataError(
        path, "unknown encoding: not UTF-8 and no charset declared (convert the page to UTF-8)"
    )


def _decode_declared(data: bytes, charset: str, path: Path | str) -> str:
    try:
        return data.decode(codecs.lookup(charset).name)
    except (LookupError, UnicodeDecodeError):
        raise DataError(path, f"cannot decode as its declared charset '{charset}'") from None


# --- The team's annotated pages (training/data/pages/, see its README) -----------------

TAGS = {
    "T": ("title", False),
    "B": ("body", False),
    "X": ("boilerplate", False),
    "C": ("comment", False),
    "c": ("comment", False),
    "S": ("comment", True),
    "s": ("comment", True),
}
_TAGGED_LINE = re.compile(r"^([TBXCcSs])\t(.*)$")
_HTML_LABEL = re.compile(r"\s+data-winnow(?:-spam)?=\"[^\"]*\"")


@dataclass
class LineLabel:
    """Ground truth for one non-blank line of an annotated text page."""

    kind: str
    spam: bool
    starts_unit: bool


@dataclass
class AnnotatedPage:
    """A page with its labels: per line for text, per element for HTML.

    ``lines_text``/``line_labels`` give a text view of every page: for an HTML
    page, its visible text with each line labelled by the element it came from,
    so HTML pages also teach the plain-text segmenter.
    """

    path: Path
    template: str
    page: Page
    line_labels: list[LineLabel | None] = field(default_factory=list)
    element_labels: list[tuple[str, bool, str]] = field(default_factory=list)
    lines_text: str = ""

    def line_kinds(self) -> list[str]:
        return [label.kind for label in self.line_labels if label is not None]


def read_annotated_page(path: Path) -> AnnotatedPage:
    """Read ``.txt`` (tagged lines) or ``.html`` (``data-winnow`` attributes) annotations."""
    source = path.read_text(encoding="utf-8")
    if path.suffix.lower() in HTML_SUFFIXES:
        return _annotated_html(path, source)
    lines, labels = [], []
    for number, line in enumerate(source.split("\n"), start=1):
        match = _TAGGED_LINE.match(line)
        if match is None and line.strip():
            raise DataError(path, "untagged line that is not blank", f"line {number}")
        tag, raw = match.groups() if match else ("", line)
        lines.append(raw)
        labels.append(LineLabel(*TAGS[tag], starts_unit=tag in "CS") if tag else None)
    text = "\n".join(lines)
    return AnnotatedPage(path, path.parent.name, Page(text, False, str(path)), labels, [], text)


def _annotated_html(path: Path, source: str) -> AnnotatedPage:
    from winnow.extract import node_text, parse, visible_blocks

    tree = parse(source)
    labels = [
        (node.attributes["data-winnow"], "data-winnow-spam" in node.attributes, node_text(node))
        for node in tree.css("[data-winnow]")
    ]
    blocks = visible_blocks(tree)
    line_labels = [_label_of(node) for node, _ in blocks]
    text = "\n".join(line for _, line in blocks)
    raw = _HTML_LABEL.sub("", source)
    return AnnotatedPage(
        path, path.parent.name, Page(raw, True, str(path)), line_labels, labels, text
    )


def _label_of(node: object) -> LineLabel:
    """The label of the nearest annotated element around a block (else boilerplate)."""
    while node is not None:
        kind = node.attributes.get("data-winnow")
        if kind:
            return LineLabel(kind, "data-winnow-spam" in node.attributes, starts_unit=True)
        node = node.parent
    return LineLabel("boilerplate", False, starts_unit=False)


def load_annotated_pages(folder: Path) -> list[AnnotatedPage]:
    """Every annotated page under ``folder`` (one sub-folder per site template)."""
    paths = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in HTML_SUFFIXES | TEXT_SUFFIXES and p.is_file()
    )
    return [read_annotated_page(p) for p in paths]


def comments_of(annotated: AnnotatedPage) -> list[dict[str, str]]:
    """The labelled comment units of an annotated page, each with the page's article text.

    Rows have ``text``, ``label`` (spam/ham), ``source`` (the template) and
    ``article``, so that a comment can later be compared with its article.
    """
    if annotated.page.is_html:
        units = [(spam, text) for kind, spam, text in annotated.element_labels if kind == "comment"]
        article = "\n".join(t for kind, _, t in annotated.element_labels if kind == "body")
    else:
        units, article = _text_units(annotated)
    return [
        {
            "text": text,
            "label": "spam" if spam else "ham",
            "source": annotated.template,
            "article": article,
        }
        for spam, text in units
        if text.strip()
    ]


def _text_units(annotated: AnnotatedPage) -> tuple[list[tuple[bool, str]], str]:
    units: list[tuple[bool, list[str]]] = []
    body = []
    for line, label in zip(annotated.lines_text.split("\n"), annotated.line_labels, strict=True):
        if label is None:
            continue
        if label.kind == "body":
            body.append(line.strip())
        elif label.kind == "comment":
            if label.starts_unit or not units:
                units.append((label.spam, []))
            units[-1][1].append(line.strip())
    return [(spam, "\n".join(lines)) for spam, lines in units], "\n".join(body)
