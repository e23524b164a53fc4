"""Outside text (scraped names, reasons, URLs, notes) made safe to print on a terminal, or as JSON.

A terminal obeys escape sequences wherever they come from: a company name that
carries `ESC[2J` clears the screen, an OSC-8 sequence turns words into a link to
`file:///etc/passwd`, a right-to-left override reverses what follows. So every
renderer prints outside text through `plain` (or `markup`, for Rich), and JSON on
standard output goes through `json_text`, which escapes the same characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.markup import escape

# Escape sequences, 7-bit (ESC …) and 8-bit (C1): removed whole, so no parameter bytes are left as text.
ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI: colours, clear-screen, cursor moves
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|\Z)"  # OSC, DCS…: links, titles; to BEL/ST
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]",  # other escapes: ESC c (reset), ESC 7 (save cursor)…
    re.DOTALL,
)
# Line and page breaks and tabs: a space, so outside text stays on its own line and cannot fake another.
BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
# What is left that a terminal obeys or mis-shows: C0 and C1 controls, DEL, bidirectional overrides.
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SURROGATES = re.compile(r"[\ud800-\udfff]")  # unpaired halves from JSON "\ud800": not encodable, not printable
# In JSON (which escapes C0 itself): everything above that is still a raw character, written as \uXXXX.
JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def plain(text: object) -> str:
    """The text without escape sequences and control characters; breaks become spaces."""
    text = ESCAPE_SEQUENCE.sub("", str(text))
    return SURROGATES.sub("\ufffd", CONTROLS.sub("", BREAKS.sub(" ", text)))


def markup(text: object) -> str:
    """`plain` text for a Rich markup string: brackets escaped, so it shows as written wherever it is put."""
    shown = plain(text)
    body = shown.rstrip("\\")
    if body == shown:
        return escape(shown)
    # Rich reads backslashes before a tag as escapes, and what follows is not known here: end in a tag of
    # our own (a style that changes nothing), after twice as many backslashes, which Rich shows once.
    backslashes = "\\" * (2 * (len(shown) - len(body)))
    return f"[none]{escape(body)}{backslashes}[/none]"


def json_text(document: Any, *, indent: int | None = None) -> str:
    """Valid JSON (no NaN or Infinity: ValueError) that keeps non-ASCII letters and escapes every control."""
    dumped = json.dumps(document, ensure_ascii=False, allow_nan=False, indent=indent)
    return JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
