"""Plain text from scraped HTML: what a reader of the page sees, with its paragraph breaks.

Review sites and notice feeds hand over HTML fragments, and a company's own pages are often
broken HTML; Scrapy's selectors give their text nodes, which run words of neighbouring
blocks together or apart (`<td>ИНН</td><td>…`, `<span>7707</span><span>083893</span>`) and
keep what no reader sees: scripts, styles, comments, hidden elements. BeautifulSoup over
lxml builds the tree as leniently as a browser does, and the layout below is applied to it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, NavigableString, PageElement, Tag, XMLParsedAsHTMLWarning

# Never shown: head (title, meta), code, templates; and elements the page itself marks hidden.
INVISIBLE = frozenset({"head", "title", "script", "style", "template"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Elements that stand apart as paragraphs, start a new line, or are cells of a row (a <br> adds a line break).
PARAGRAPHS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "details", "dialog", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "ul"})
LINES = frozenset({"dd", "dt", "legend", "li", "option", "tr"})
CELLS = frozenset({"td", "th"})
_BLANK_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """The readable text of HTML: entities decoded, scripts, styles, comments and hidden parts dropped,
    whitespace collapsed, a blank line between paragraphs and a line break for <br>, list items and rows."""
    with warnings.catch_warnings():  # scraped text is never a file name or URL to open; XHTML is read as HTML
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")
    text = _Text()
    stack: list[PageElement | _End] = [soup]
    while stack:  # a loop, not recursion: deeply nested unclosed markup does not exhaust the stack
        node = stack.pop()
        if isinstance(node, _End):
            text.close(node.name)
        elif isinstance(node, Tag) and not _unseen(node):
            text.open(node.name)
            stack.append(_End(node.name))
            stack.extend(reversed(node.contents))
        elif type(node) is NavigableString:  # not a Comment, Doctype, CData, nor script or style text
            text.write(node)
    return text.value()


def _unseen(tag: Tag) -> bool:
    return tag.name in INVISIBLE or tag.has_attr("hidden") or bool(_HIDDEN_STYLE.search(tag.get("style") or ""))


@dataclass(frozen=True)
class _End:
    name: str


class _Text:
    """Text written in document order; block edges ask for at least so many line breaks, a <br> adds one."""

    def __init__(self):
        self.chunks: list[str] = []
        self.breaks = 0  # line breaks owed before the next words
        self.preformatted = 0  # depth of <pre>, whose own line breaks count

    def open(self, name: str):
        self.breaks += name == "br"
        self.edge(name)
        self.preformatted += name == "pre"

    def close(self, name: str):
        self.preformatted -= name == "pre"
        self.edge(name)

    def edge(self, name: str):
        if name in PARAGRAPHS or name in LINES:
            self.breaks = max(self.breaks, 2 if name in PARAGRAPHS else 1)
        elif name in CELLS:
            self.write(" ")

    def write(self, string: str):
        lines = string.split("\n") if self.preformatted else [string]
        for number, line in enumerate(lines):
            if number:
                self.breaks += 1
            words = re.sub(r"\s+", " ", line)
            if words.strip():
                if self.chunks and self.breaks:
                    self.chunks.append("\n" * self.breaks)
                self.breaks = 0
                self.chunks.append(words)
            elif words and not self.breaks:
                self.chunks.append(" ")

    def value(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.chunks).split("\n"))
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
