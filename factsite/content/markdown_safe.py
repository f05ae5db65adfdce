"""Markdown from authors, rendered and then sanitised: content is untrusted."""

from __future__ import annotations

import re

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "a", "em", "strong", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "br", "abbr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

_renderer = markdown.Markdown(extensions=[], output_format="html")

# Python-Markdown scans forward from every unclosed "[" or "(" for its partner, so time grows with
# the square of their nesting: 20,000 opening brackets took 55 s to render. Real text nests two or
# three deep; the caps keep the worst case to a fraction of a second.
MAX_BRACKET_DEPTH = 20
MAX_MARKDOWN_CHARS = {"introduction": 10_000, "methodology": 60_000}


def markdown_problem(text: str, max_chars: int) -> tuple[int, str] | None:
    """(offset of the trouble, what is wrong: how to fix it) for Markdown too costly to render, or None."""
    if len(text) > max_chars:
        return max_chars, (f"is {len(text):,} characters long; Markdown here may be at most {max_chars:,}: "
                           "shorten it, or move the detail to the methodology page")
    for opener, closer in ("[]", "()"):
        depth, index = 0, 0
        while index < len(text):
            char = text[index]
            if char == "\\":
                index += 1  # an escaped bracket opens nothing
            elif char == opener:
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    return index, (f"has more than {MAX_BRACKET_DEPTH} {opener!r} open at once: close the brackets "
                                   f"you opened, or write a literal bracket as \\{opener}")
            elif char == closer and depth:
                depth -= 1
            index += 1
    return None


def render_markdown(text: str) -> Markup:
    """Markdown -> HTML holding only harmless tags and http(s)/mailto links."""
    html = _renderer.reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(clean)


# nh3 writes < and > inside attribute values as &lt; &gt;, so in its output a tag ends at the first ">".
_TAG_RE = re.compile(r"<(/?)([a-zA-Z0-9]+)[^>]*>")


def text_segments(html: str) -> list[tuple[bool, str]]:
    """Sanitised HTML cut into (is_text, piece): text outside any link, or else a tag or a link's text."""
    pieces: list[tuple[bool, str]] = []
    position, in_link = 0, False
    for tag in _TAG_RE.finditer(html):
        pieces.append((not in_link, html[position:tag.start()]))
        pieces.append((False, tag.group(0)))
        if tag.group(2).lower() == "a":
            in_link = not tag.group(1)
        position = tag.end()
    pieces.append((not in_link, html[position:]))
    return pieces
