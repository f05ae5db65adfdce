"""The content model: what an author may write in content/*.yaml, validated by pydantic.

Every model forbids unknown keys, so a typo in a field name is an error instead of a
silently dropped citation.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
# A date as sources give it: a year, a month or a day.
PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SAFE_URL_RE = re.compile(r"^(https?://[^\s/]+\.[^\s]+|mailto:[^\s]+)$", re.IGNORECASE)

Slug = str  # checked by SLUG_RE wherever it names a page


def check_slug(value: str) -> str:
    """A slug is lower-case ASCII words joined by hyphens: it can never leave site/."""
    if not SLUG_RE.match(value) or len(value) > 80:
        raise ValueError(
            f"{value!r} is not a valid slug: use lower-case letters, digits and single hyphens "
            "(for example 'victims-identified-2020'), at most 80 characters"
        )
    return value


def check_url(value: str) -> str:
    """Only http, https and mailto links pass; anything else (javascript:, data:) is refused."""
    if not SAFE_URL_RE.match(value):
        raise ValueError(
            f"{value!r} is not an allowed link: use a full http(s):// address or mailto:"
        )
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


NonEmpty = Field(min_length=1)


class Source(Strict):
    id: str
    title: str = NonEmpty
    publisher: str = NonEmpty
    authors: list[str] = []
    date_published: str = Field(pattern=PARTIAL_DATE_PATTERN)
    url: str | None = None
    date_accessed: str | None = Field(default=None, pattern=PARTIAL_DATE_PATTERN)
    kind: Literal["primary report", "news coverage", "official statement", "data release"]
    short_name: str = NonEmpty
    notes: str = ""
    http_only: bool = False  # the publisher offers no https address; checked by hand

    _id = field_validator("id")(check_slug)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_validator(mode="after")
    def _where_to_find(self) -> "Source":
        if self.url is None and not self.notes:
            raise ValueError("a source without a url needs notes saying where its text can be read")
        if self.url and self.url.lower().startswith("http:") and not self.http_only:
            raise ValueError("use the https address of the source; if it has none, set http_only: true")
        return self


class Citation(Strict):
    source: str
    locator: str = NonEmpty
    quote: str = NonEmpty
    via: str | None = None  # id of the source that carries this quotation, when not read first-hand


class Figure(Strict):
    value: float
    unit: Literal["percent", "count", "million", "words"]
    display: str | None = None  # how the page writes it; derived from value and unit when absent
    approximate: bool = False


class Discrepancy(Strict):
    source: str
    locator: str = NonEmpty
    quote: str = NonEmpty
    says: str = NonEmpty  # what that source states, in the site's words
    figure: str | None = None  # the competing figure, when the source gives a different number
    resolution: str = NonEmpty  # which reading the site uses, and why


class Derivation(Strict):
    inputs: dict[str, str]  # name in the expression -> slug of the statistic it takes
    expression: str = NonEmpty
    round_to: int = Field(default=0, ge=0, le=4)
    explanation: str = NonEmpty


class ChartPoint(Strict):
    stat: str
    label: str = NonEmpty
    series: str | None = None


class Chart(Strict):
    id: str | None = None
    kind: Literal["bar", "column", "grouped-column"]
    title: str = NonEmpty
    description: str = NonEmpty
    value_label: str = NonEmpty
    points: list[ChartPoint] = Field(min_length=1)
    whole: float | None = None  # the parts add up to this (100 for a breakdown in percent)
    remainder_label: str = "Not specified in the source"

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return None if value is None else check_slug(value)


class Statistic(Strict):
    slug: str
    # Contains {figure}; may name other figures as {figure:slug}. At most 280 characters, so that it
    # fits on a share card and in a post.
    sentence: str = Field(min_length=1, max_length=280)
    short_title: str = NonEmpty
    figure: Figure
    period: str = NonEmpty
    scope: str = NonEmpty
    sheets: list[str] = []
    headline: bool = False
    status: Literal["reported", "derived", "disputed"] = "reported"
    citations: list[Citation] = Field(min_length=1)
    caveats: list[str] = []
    derivation: Derivation | None = None
    discrepancies: list[Discrepancy] = []
    related: list[str] = []
    chart: Chart | None = None

    _slug = field_validator("slug")(check_slug)

    @field_validator("sentence")
    @classmethod
    def _sentence_names_figure(cls, value: str) -> str:
        if value.count("{figure}") != 1:
            raise ValueError("the sentence must contain {figure} exactly once, where the figure is printed")
        return value

    @model_validator(mode="after")
    def _status_matches(self) -> "Statistic":
        if self.status == "derived" and self.derivation is None:
            raise ValueError("status is 'derived' but there is no derivation: add inputs, expression and explanation")
        if self.status != "derived" and self.derivation is not None:
            raise ValueError(f"a derivation is given but status is {self.status!r}: set status: derived")
        if self.status == "disputed" and not any(d.figure for d in self.discrepancies):
            raise ValueError("status is 'disputed' but no discrepancy gives a competing figure")
        return self


class Sheet(Strict):
    slug: str
    title: str = NonEmpty
    summary: str = NonEmpty  # one sentence, for the home page and link previews
    introduction: str = NonEmpty  # Markdown; may print figures as {figure:slug}
    statistics: list[str] = Field(min_length=1)
    charts: list[Chart] = []
    order: int = 0
    content_note: bool = False

    _slug = field_validator("slug")(check_slug)


class Helpline(Strict):
    name: str = NonEmpty
    call: str = NonEmpty
    text: str = NonEmpty
    tty: str | None = None
    hours: str = NonEmpty
    url: str

    _url = field_validator("url")(check_url)


class SiteConfig(Strict):
    title: str = NonEmpty
    description: str = NonEmpty
    base_url: str
    language: str = "en"
    helpline: Helpline
    content_note: str = NonEmpty
    last_reviewed: str = Field(pattern=PARTIAL_DATE_PATTERN)
    report_errors_to: str
    quick_exit_url: str = "https://www.weather.gov/"  # a neutral site that the quick-exit button leaves for

    _url = field_validator("base_url", "report_errors_to", "quick_exit_url")(check_url)
