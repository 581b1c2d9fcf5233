"""HTML pages: comments from the markup sites use, the rest by text segmentation.

Comment systems mark their comments (WordPress ``comment-content``, Disqus
``post-message``, schema.org ``itemprop="comment"``, forum ``message-body``),
so for HTML the markup decides what a comment unit is and who wrote it. Pages
whose comments carry no known markup fall back to the plain-text segmenter over
the page's visible text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from winnow.segment import Segment

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
LINE_BREAK = "\ue000"  # stands for <br> while source newlines are collapsed like spaces
_COMMENT_FORM = re.compile(r"comment|reply|respond", re.IGNORECASE)
_BOX_CLASSES = {"comment", "comment-body", "comment-item", "post", "message", "reply", "review"}
_BOX_ID = re.compile(r"\A(?:comment|post|c|p|msg)[-_]?\d+\Z", re.IGNORECASE)
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")
CONTENT_SELECTORS = (
    '[itemprop="comment"] [itemprop="text"]',
    ".comment-content",
    ".comment-text",
    ".comment-message",
    ".comment__body",
    ".post-message",
    ".message-body",
    ".commentBody",
)
CONTAINER_SELECTORS = ('[itemprop="comment"]', "li.comment", "div.comment", "article.comment")
AUTHOR_SELECTORS = (
    '[itemprop="author"]',
    ".comment-author .fn",
    ".fn",
    ".comment-author",
    ".username",
    ".post-author",
    ".author",
)
ARTICLE_SELECTORS = (
    '[itemprop="articleBody"]',
    ".entry-content",
    ".article-body",
    ".article-content",
    ".story-body",
    "article",
    "main",
)
BLOCK_TAGS = ("p", "li", "h2", "h3", "h4", "blockquote", "figcaption", "pre", "dd")
HEADED_BLOCKS = (*BLOCK_TAGS, "h1")
LAYOUT_TAGS = frozenset((
    *HEADED_BLOCKS, "h5", "h6", "div", "ul", "ol", "dl", "dt", "article", "section", "header",
    "footer", "nav", "aside", "main", "form", "table", "thead", "tbody", "tr", "td", "th",
    "figure", "address", "fieldset", "details", "summary", "hr", "br",
))  # fmt: skip
FURNITURE_TAGS = {"nav", "aside", "footer", "form", "header"}
_FURNITURE_NAMES = re.compile(
    r"comment|breadcrumb|related|similar|share|social|newsletter|promo|sidebar|widget|menu|"
    r"cookie|subscri|donat|support|advert|\bads?\b|footer|ticker|most-read|popular|tags",
    re.IGNORECASE,
)


def parse(html: str) -> HTMLParser:
    """Parse a page with line breaks kept and invisible elements removed."""
    tree = HTMLParser(_BR.sub(LINE_BREAK, html))
    tree.strip_tags(list(DROP_TAGS))
    return tree


def node_text(node: Node) -> str:
    """An element's text: its blocks one per line, whitespace inside lines collapsed."""
    blocks = [
        b
        for b in node.traverse(include_text=False)
        if b.tag in BLOCK_TAGS and b.mem_id != node.mem_id and not _inside_block(b, node)
    ]
    pieces = [b.text(separator="") for b in blocks] or [node.text(separator="")]
    return "\n".join(line for piece in pieces for line in _rendered_lines(piece))


def _rendered_lines(text: str) -> list[str]:
    """Lines as a browser shows them: breaks only at <br>, other whitespace collapsed."""
    lines = (" ".join(part.split()) for part in text.split(LINE_BREAK))
    return [line for line in lines if line]


def visible_text(html: str) -> str:
    """The page's visible text, one block per line, as a scraper would dump it."""
    return "\n".join(text for _, text in visible_blocks(parse(html)))


def visible_blocks(tree: HTMLParser) -> list[tuple[Node, str]]:
    """Each visible line of text with the element that holds it, in document order.

    Like a browser's rendered text: block elements start new lines, inline
    content (text, links, emphasis) flows within a line.
    """
    root = tree.body or tree.root
    blocks: list[tuple[Node, str]] = []
    if root is not None:
        _collect_lines(root, blocks)
    return blocks


def _collect_lines(node: Node, blocks: list[tuple[Node, str]]) -> None:
    run: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag in LAYOUT_TAGS:
            _flush(node, run, blocks)
            _collect_lines(child, blocks)
        else:
            run.append(
                child.text(deep=True, separator="")
                if child.tag != "-text"
                else child.text_content or ""
            )
    _flush(node, run, blocks)


def _flush(node: Node, run: list[str], blocks: list[tuple[Node, str]]) -> None:
    blocks.extend((node, line) for line in _rendered_lines("".join(run)))
    run.clear()


def _inside_block(node: Node, stop: Node | None = None) -> bool:
    parent = node.parent
    while parent is not None and (stop is None or parent.mem_id != stop.mem_id):
        if parent.tag in HEADED_BLOCKS:
            return True
        parent = parent.parent
    return False


def comment_nodes(tree: HTMLParser) -> list[Node]:
    """The elements holding one comment's text each, in document order."""
    found = _innermost(_select(tree, CONTENT_SELECTORS))
    if not found:
        found = _outermost(_select(tree, CONTAINER_SELECTORS))
    return [
        node
        for node in found
        if node.text(strip=True)
        and not any(_is_article_or_form(a) for a in [node, *_ancestors(node)])
    ]


def _is_article_or_form(node: Node) -> bool:
    """The article body, or a comment form (not a page-wide form such as ASP.NET's)."""
    if node.tag == "form":
        names = f"{node.attributes.get('id') or ''} {node.attributes.get('class') or ''}"
        return bool(_COMMENT_FORM.search(names))
    return node.attributes.get("itemprop") == "articleBody"


def _select(tree: HTMLParser, selectors: tuple[str, ...]) -> list[Node]:
    seen: dict[int, Node] = {}
    for selector in selectors:
        for node in tree.css(selector):
            seen.setdefault(node.mem_id, node)
    order = {node.mem_id: i for i, node in enumerate(tree.root.traverse())}
    return sorted(seen.values(), key=lambda node: order[node.mem_id])


def _ancestors(node: Node) -> list[Node]:
    found, parent = [], node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


def _innermost(nodes: list[Node]) -> list[Node]:
    ids = {n.mem_id for n in nodes}
    containing = {a.mem_id for n in nodes for a in _ancestors(n) if a.mem_id in ids}
    return [n for n in nodes if n.mem_id not in containing]


def _outermost(nodes: list[Node]) -> list[Node]:
    ids = {n.mem_id for n in nodes}
    return [n for n in nodes if not any(a.mem_id in ids for a in _ancestors(n))]


def element_path(node: Node) -> str:
    """A CSS-like path to the element: tag, #id or first .class, from <body> down."""
    parts = []
    for item in [node, *_ancestors(node)]:
        if item.tag in ("html", "-undef", None):
            break
        attrs = item.attributes
        suffix = (
            f"#{attrs['id']}"
            if attrs.get("id")
            else (f".{attrs['class'].split()[0]}" if (attrs.get("class") or "").split() else "")
        )
        parts.append(item.tag + suffix)
    return ">".join(reversed(parts))


def comment_author(node: Node) -> tuple[str | None, str | None]:
    """The author name and URL shown with a comment: looked up only inside the comment's
    own container, never inside the comment text or in a reply nested within it."""
    container = _comment_container(node)
    if container is None:
        return None, None
    for selector in AUTHOR_SELECTORS:
        for found in container.css(selector):
            if found.text(strip=True) and _belongs_to(found, container, node):
                link = found if found.tag == "a" else found.css_first("a[href]")
                href = link.attributes.get("href") if link is not None else None
                url = href if href and href.startswith(("http://", "https://")) else None
                return " ".join(found.text(strip=True).split()), url
    return None, None


def _is_comment_box(node: Node) -> bool:
    """An element that wraps one comment with its author line and actions."""
    classes = set((node.attributes.get("class") or "").lower().split())
    return (
        node.attributes.get("itemprop") == "comment"
        or node.tag in ("li", "article")
        or bool(classes & _BOX_CLASSES)
        or bool(_BOX_ID.match(node.attributes.get("id") or ""))
    )


def _comment_container(node: Node) -> Node | None:
    return next((a for a in _ancestors(node)[:6] if _is_comment_box(a)), None)


def _belongs_to(found: Node, container: Node, comment: Node) -> bool:
    """Whether an author element sits in this comment's own container, outside its text."""
    for ancestor in [found, *_ancestors(found)]:
        if ancestor.mem_id == container.mem_id:
            return True
        if ancestor.mem_id == comment.mem_id or _is_comment_box(ancestor):
            return False
    return False


def segment_html(html: str, segment_text: Callable[[str], list[Segment]]) -> list[Segment]:
    """Segments of an HTML page: title, article body, comment units with authors.

    ``segment_text`` segments plain text; it is used when the page has no known
    comment markup.
    """
    tree = parse(html)
    comments = comment_nodes(tree)
    if not comments:
        return segment_text(visible_text(html))
    article = _article_blocks(tree, comments)
    return [
        *_title(tree),
        *[_segment("body", n) for n in article],
        *[_comment_segment(n) for n in comments],
    ]


def _title(tree: HTMLParser) -> list[Segment]:
    node = tree.css_first("h1")
    return [_segment("title", node)] if node is not None and node.text(strip=True) else []


def _article_blocks(tree: HTMLParser, comments: list[Node]) -> list[Node]:
    comment_ids = {n.mem_id for n in comments}
    for selector in ARTICLE_SELECTORS:
        for container in tree.css(selector):
            blocks = [b for b in _blocks_of(container) if not _is_furniture(b, comment_ids)]
            if len(blocks) >= 2:
                return blocks
    return _densest_paragraphs(tree, comment_ids)


def _densest_paragraphs(tree: HTMLParser, comment_ids: set[int]) -> list[Node]:
    """Without article markup, the article is the element with the most paragraph text."""
    by_parent: dict[int, list[Node]] = {}
    for paragraph in tree.css("p"):
        if paragraph.parent is not None and not _is_furniture(paragraph, comment_ids):
            by_parent.setdefault(paragraph.parent.mem_id, []).append(paragraph)
    if not by_parent:
        return []
    return max(by_parent.values(), key=lambda ps: sum(len(p.text(strip=True)) for p in ps))


def _blocks_of(container: Node) -> list[Node]:
    blocks = [
        n
        for n in container.traverse(include_text=False)
        if n.tag in BLOCK_TAGS and n.text(strip=True) and not _inside_block(n)
    ]
    return blocks or [container]


def _is_furniture(node: Node, comment_ids: set[int]) -> bool:
    for ancestor in [node, *_ancestors(node)]:
        names = f"{ancestor.attributes.get('class') or ''} {ancestor.attributes.get('id') or ''}"
        if (
            ancestor.mem_id in comment_ids
            or ancestor.tag in FURNITURE_TAGS
            or _FURNITURE_NAMES.search(names)
        ):
            return True
    return False


def _segment(kind: str, node: Node, **extra: Any) -> Segment:
    return Segment(kind, node_text(node), 1.0, element=element_path(node), **extra)


def _comment_segment(node: Node) -> Segment:
    author, url = comment_author(node)
    return _segment("comment", node, author=author, author_url=url)
