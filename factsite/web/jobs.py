"""What the image steps draw, as the page model plans it: share cards, chart images and sheet PDFs.

Plain data, so that the page model never imports the browser side; images/ imports these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..content.locales import DEFAULT_LANGUAGE
from . import urls

CARD_WIDTH, CARD_HEIGHT = 1200, 630  # px: the size link previews show without cropping


@dataclass(frozen=True)
class Card:
    """A share card to draw: its words, and where each came from."""

    output: str  # path in site/, e.g. "cards/stat-victims-identified-2020.png"
    url: str
    alt: str
    kicker: str
    figure: str | None
    sentence: str
    source_line: str
    site_name: str
    language: str = DEFAULT_LANGUAGE  # the language of its words
    # Where each part's words come from ("kicker" -> "content/stats/x.yaml:4: short_title"), so a card
    # that does not fit names the file, line and field to shorten. Looked up only then (finding a
    # field's line parses its file again), and not part of the image's key.
    origin: Callable[[], tuple[tuple[str, str], ...]] | None = field(default=None, compare=False)

    @property
    def image_url(self) -> str:
        return urls.file_url(self.output)

    @property
    def width(self) -> int:
        return CARD_WIDTH

    @property
    def height(self) -> int:
        return CARD_HEIGHT


@dataclass(frozen=True)
class ImageJob:
    output: str  # path in site/
    figure_json: str
    width: int
    height: int
    format: str  # "svg" or "png"
    scale: float = 1


@dataclass(frozen=True)
class PdfJob:
    output: str  # e.g. "sheets/victims/victims-a4.pdf"
    page_output: str  # the sheet's HTML file in site/
    page_url: str
    paper: str  # "letter" or "a4"
    title: str
    author: str
    subject: str
    date: str  # the content's review date: the PDF's dates, so builds are reproducible
    origin: str  # the site's public origin: printed from it, the PDF's links are the public addresses
