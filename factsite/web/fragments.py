"""Links that open a source at the quoted passage: URL text fragments (#:~:text=start,end).

A browser that supports them (Chrome, Edge, Safari, Firefox) scrolls to the quoted words and
highlights them; one that does not opens the page at its top, as a plain link would. See the WICG
spec "URL Fragment Text Directives": a directive's terms are percent-encoded, and `-`, `,` and `&`
must be, since they separate its parts.
"""

from __future__ import annotations

import re
from urllib.parse import quote

WORDS_EACH_END = 4  # a longer quote is matched by its first and last words: short, and still unique
# Quote marks and punctuation at a quote's ends are the site's or the sentence's, not always the page's.
_EDGES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb.,;:!? "
PDF_PAGE_RE = re.compile(r"\b(?:page|p\.)\s*(\d+)\b", re.IGNORECASE)


def _term(text: str) -> str:
    """Percent-encode one term of a text directive: everything but unreserved characters, and '-' too."""
    return quote(text, safe="").replace("-", "%2D")


def text_directive(passage: str, words_each_end: int = WORDS_EACH_END) -> str | None:
    """'text=start,end' (or 'text=whole') for a quoted passage; None when nothing is left to match."""
    words = passage.strip(_EDGES).split()
    if not words:
        return None
    if len(words) <= 2 * words_each_end + 1:
        return "text=" + _term(" ".join(words))
    start, end = " ".join(words[:words_each_end]), " ".join(words[-words_each_end:]).rstrip(_EDGES)
    return f"text={_term(start)},{_term(end)}"


def passage_url(url: str | None, passage: str, locator: str = "") -> str | None:
    """The address that opens `url` at `passage`: a page number for a PDF, a text fragment otherwise."""
    if not url:
        return None
    base = url.split("#", 1)[0]
    page = PDF_PAGE_RE.search(locator)
    if base.lower().endswith(".pdf") and page:
        return f"{base}#page={page.group(1)}"
    directive = text_directive(passage)
    return f"{base}#:~:{directive}" if directive else base

