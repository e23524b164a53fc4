"""The company's own website: legal notice, contacts and requisites pages, read for a registry number.

Russian sites must show the INN/OGRN of whoever sells there, British ones the
company number; a number read there identifies the company better than any name.
A short fixed list of pages is read one by one, stopping at the first that names one.
Only what a visitor sees counts (clientvet.crawler.text): a number in a script, a comment, an
attribute or a hidden block is not the site telling its customers who it is.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlsplit

import scrapy
from charset_normalizer import from_bytes
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from clientvet.crawler.finders import FinderSpider
from clientvet.evidence.identifiers import Identity, InvalidIdentifier, parse_company_number, parse_inn, parse_ogrn
from clientvet.crawler.resolve import Candidate
from clientvet.crawler.text import html_to_text

PAGES = ("/", "/contacts", "/kontakty", "/about", "/impressum", "/imprint", "/legal", "/rekvizity")

# Only numbers a label introduces: a bare run of digits could be a phone or an account number.
INN = re.compile(r"\b(?:ИНН|INN)(?:\s*/\s*(?:КПП|KPP))?\s*(?:[:№#]|No\.?)?\s*(\d{12}|\d{10})(?!\d)", re.IGNORECASE)
OGRN = re.compile(r"\b(?:ОГРНИП|ОГРН|OGRNIP|OGRN)\s*(?:[:№#]|No\.?)?\s*(\d{15}|\d{13})(?!\d)", re.IGNORECASE)
UK_NUMBER = re.compile(
    r"(?:company\s+(?:registration\s+)?(?:number|no\.?|№)|registered\s+(?:in|at)\s+(?:england|scotland|wales"
    r"|northern\s+ireland)[^.\d]{0,80}?(?:number|no\.?))\s*[:.]?\s*((?:[A-Z]{2})?\d{6,8})\b",
    re.IGNORECASE,
)


def identifiers_in(text: str) -> list[Identity]:
    """Registry numbers a page states, checksums verified: INNs, else OGRNs, else UK company numbers."""
    for pattern, parse in ((INN, parse_inn), (OGRN, parse_ogrn), (UK_NUMBER, parse_company_number)):
        found = []
        for match in pattern.finditer(text):
            try:
                identity = parse(match.group(1))
            except InvalidIdentifier:
                continue  # a typo on the page, or not a registry number at all
            if identity not in found:
                found.append(identity)
        if found:
            return found
    return []


def page_text(response: TextResponse) -> str:
    return html_to_text(page_html(response))


def page_html(response: TextResponse) -> str:
    """The page decoded as its bytes are written, whatever it declares.

    Small companies' sites say the wrong thing often: windows-1251 with no charset at all, a
    meta saying utf-8 over windows-1251 bytes, a server's default ISO-8859-1. A byte order mark
    settles it; bytes that are valid UTF-8 are UTF-8 (no legacy Cyrillic text is); otherwise a
    declared charset (HTTP header, then meta) is taken only if the text reads as text in it, and
    charset_normalizer guesses when none does.
    """
    body = response.body
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom):].decode(bom_encoding, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
    declared = [e for e in (http_content_type_encoding(content_type), html_body_declared_encoding(body)) if e]
    found = (declared and from_bytes(body, cp_isolation=declared).best()) or from_bytes(body).best()
    return str(found) if found else response.text


class WebsiteFinder(FinderSpider):
    name = "website"
    registry = False

    def __init__(self, domain: str, **kwargs):
        super().__init__(**kwargs)
        self.domain = domain
        self.site = domain.removeprefix("www.")

    def first_requests(self) -> Iterator[scrapy.Request]:
        yield self.page(0)

    def page(self, index: int) -> scrapy.Request:
        # 404/410: the site has no such page, which is an answer, not a failure.
        return self.request(f"https://{self.domain}{PAGES[index]}", self.parse, errback=self.page_failed,
                            meta={"page": index, "handle_httpstatus_list": [404, 410]})

    def parse(self, response: Response):
        host = urlsplit(response.url).hostname or ""
        if response.status == 200 and isinstance(response, TextResponse) and (
                host == self.site or host.endswith("." + self.site)):  # not a page another site redirected to
            for identity in identifiers_in(page_text(response)):
                self.candidates.append(Candidate(identity, None, self.name, url=response.url))
        if not self.candidates:
            yield from self.next_page(response.meta["page"])

    def page_failed(self, failure: Failure):
        self.fail(failure)
        yield from self.next_page(failure.request.meta["page"])

    def next_page(self, index: int) -> Iterator[scrapy.Request]:
        if index + 1 < len(PAGES):
            yield self.page(index + 1)
