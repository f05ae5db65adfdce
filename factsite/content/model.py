"""The content model: what an author may write in content/*.yaml, validated by pydantic.

Every model forbids unknown keys, so a typo in a field name is an error instead of a
silently dropped citation.
"""

from __future__ import annotations

import datetime
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
# A date as sources give it: a year, a month or a day.
PHONE_PATTERN = r"^\+?[0-9][0-9 ().-]{1,30}$"  # becomes a tel: or sms: link, so digits and separators only
PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# A dated Wayback Machine capture: /web/<YYYYMMDDhhmmss>/ then the address it captured. The allow-list is
# one archive, the one `build.py archive` records and the site links to.
ARCHIVE_PATTERN = r"^https://web\.archive\.org/web/(\d{14})/(.+)$"
ARCHIVE_RE = re.compile(ARCHIVE_PATTERN)
ORIGIN_RE = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::[0-9]{1,5})?/?", re.IGNORECASE)
SAFE_URL_RE = re.compile(r"^(https?://[^\s/]+\.[^\s]+|mailto:[^\s]+)$", re.IGNORECASE)

MAX_EXPRESSION_CHARS = 500  # a derivation is a line of arithmetic; longer ones only serve to exhaust the evaluator


# Names Windows keeps for devices: a file or folder so named (stats/con.yaml, site/stats/con/) cannot
# be checked out or written there.
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}


def check_slug(value: str) -> str:
    """A slug is lower-case ASCII words joined by hyphens: it can never leave site/."""
    if not SLUG_RE.fullmatch(value) or len(value) > 80:
        raise ValueError(
            f"{value!r} is not a valid slug: use lower-case letters, digits and single hyphens "
            "(for example 'victims-identified-2020'), at most 80 characters"
        )
    if value in WINDOWS_RESERVED:
        raise ValueError(f"{value!r} is a name Windows reserves for a device, so its files could not be checked out there: "
                         f"add a word to it (for example '{value}-cases')")
    return value


def check_url(value: str) -> str:
    """Only http, https and mailto links pass; anything else (javascript:, data:) is refused."""
    if not SAFE_URL_RE.match(value):
        raise ValueError(
            f"{value!r} is not an allowed link: use a full http(s):// address or mailto:"
        )
    if not value.lower().startswith("mailto:") and "@" in urlsplit(value).netloc:
        # https://trusted.example@evil.example/ goes to evil.example, and reads as trusted.example
        raise ValueError(f"{value!r} names a user before its host (user@host): write the address without the part before '@'")
    return value


def check_origin(value: str) -> str:
    """The site's own address: http(s), a host (and port), nothing after it but an optional '/'.

    It is joined to every page's path and printed into sitemap.xml, robots.txt and canonical links,
    so a path, query or markup here would be repeated on every page."""
    if not ORIGIN_RE.fullmatch(value):
        raise ValueError(f"{value!r} is not a site address: write only https:// and the host, "
                         "like https://trafficking-facts.netlify.app (no path, query, user@, or characters such as < > \")")
    return value


def check_partial_date(value: str | None) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD (the pattern is checked first) must also be a real date."""
    if value is None:
        return None
    parts = value.split("-")
    try:
        if len(parts) == 3:
            datetime.date.fromisoformat(value)
        elif len(parts) == 2 and not 1 <= int(parts[1]) <= 12:
            raise ValueError
    except ValueError:
        raise ValueError(f"{value!r} is not a real date: the month must be 01 to 12 and the day must exist in that month") from None
    return value


class Strict(BaseModel):
    # A string right under a field is its description: the JSON Schema (editor hints) and the
    # `build.py new` skeletons show it, and a missing field's error quotes it.
    # No figure is infinite or "not a number" (YAML reads .inf and .nan as numbers).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True,
                              allow_inf_nan=False)


NonEmpty = Field(min_length=1)
# Editors check these as the author types; the validators below give the build's own messages.
SLUG_SCHEMA = {"pattern": SLUG_PATTERN, "maxLength": 80}
LINK_SCHEMA = {"pattern": r"^(https?://|mailto:)"}


class Source(Strict):
    id: str = Field(json_schema_extra=SLUG_SCHEMA)
    """The id citations use: lower-case words joined by hyphens; the file is named <id>.yaml."""
    title: str = NonEmpty
    """The source's full title, as published."""
    publisher: str = NonEmpty
    """Who published it (an organisation, a newspaper)."""
    authors: list[str] = []
    """Its authors, where known, one a line."""
    date_published: str = Field(pattern=PARTIAL_DATE_PATTERN)
    """When it was published: YYYY, YYYY-MM or YYYY-MM-DD, in quotes."""
    url: str | None = Field(default=None, json_schema_extra=LINK_SCHEMA)
    """Its https address. Without one, notes must say where the text can be read."""
    date_accessed: str | None = Field(default=None, pattern=PARTIAL_DATE_PATTERN)
    """When the url was last read: YYYY-MM-DD, in quotes."""
    archive_url: str | None = Field(default=None, json_schema_extra={"pattern": ARCHIVE_PATTERN})
    """A dated copy in the Wayback Machine: https://web.archive.org/web/<14 digits>/ then the url itself (python3 build.py archive records one)."""
    archive_date: str | None = Field(default=None, pattern=DAY_PATTERN, validate_default=True)
    """The day that copy was captured: YYYY-MM-DD, in quotes, the first 8 of archive_url's 14 digits."""
    url_status: Literal["live", "dead", "moved"] = Field(default="live", validate_default=True)
    """live (the url holds the passage), dead (it is gone: the archived copy becomes the link) or moved (it leads elsewhere now)."""
    checked: str | None = Field(default=None, pattern=DAY_PATTERN)
    """When the link and its quotes were last confirmed (python3 build.py links): YYYY-MM-DD, in quotes."""
    kind: Literal["primary report", "news coverage", "official statement", "data release"]
    """What kind of source it is."""
    short_name: str = NonEmpty
    """How citations name it on the pages, e.g. "HTI report, 2021"."""
    notes: str = ""
    """Anything a reader should know; required when there is no url: where the text is kept."""
    http_only: bool = False
    """true only if the publisher has no https address (the url then starts http://)."""

    _id = field_validator("id")(check_slug)
    _dates = field_validator("date_published", "date_accessed", "checked")(check_partial_date)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    # The checks across fields are field validators, so each error is located at its own line. A field
    # that failed on its own is absent from info.data: nothing more is said about it.
    @field_validator("archive_url")
    @classmethod
    def _archive_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or "url" not in info.data:
            return value
        match = ARCHIVE_RE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a dated Wayback Machine capture: write https://web.archive.org/web/"
                             "<14 digits>/ followed by the source's url (python3 build.py archive records one)")
        if info.data["url"] is None:
            raise ValueError("an archived copy is a copy of the source's url: add the url first")
        stamp, captured = match.groups()
        if captured != info.data["url"]:
            raise ValueError(f"this is a capture of {captured!r}, not of the source's url {info.data['url']!r}: "
                             f"write https://web.archive.org/web/{stamp}/ followed by the url exactly as written above")
        try:
            datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S")
        except ValueError:
            raise ValueError(f"{stamp} is not a real capture time: the 14 digits are the year, month, day, hour, "
                             "minute and second of the capture (YYYYMMDDhhmmss)") from None
        return value

    @field_validator("archive_date")
    @classmethod
    def _archive_date(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "archive_url" not in info.data:
            return value
        archive_url = info.data["archive_url"]
        if archive_url is None:
            if value is not None:
                raise ValueError("a capture date without its capture: add archive_url, or remove archive_date")
            return None
        stamp = ARCHIVE_RE.match(archive_url).group(1)
        captured = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
        if value is None:
            raise ValueError(f'archive_url needs the date of its capture: add archive_date: "{captured}"')
        if value != captured:
            # Never a date of one's own: the page shows it as the day the copy was made.
            raise ValueError(f"{value!r} is not the day of the capture: archive_url was captured on {captured}; "
                             f'write archive_date: "{captured}"')
        return value

    @field_validator("url_status")
    @classmethod
    def _url_status(cls, value: str, info: ValidationInfo) -> str:
        if value != "live" and info.data.get("url", "") is None:
            raise ValueError(f"a source without a url cannot be {value}: remove url_status")
        if value == "dead" and "archive_url" in info.data and info.data["archive_url"] is None:
            raise ValueError("a dead source needs an archived copy, which becomes its link: add archive_url and "
                             "archive_date (python3 build.py archive looks for a capture), or keep url_status: live")
        return value

    @model_validator(mode="after")
    def _where_to_find(self) -> "Source":
        if self.url is None and not self.notes:
            raise ValueError("a source without a url needs notes saying where its text can be read")
        if self.url and self.url.lower().startswith("http:") and not self.http_only:
            raise ValueError("use the https address of the source; if it has none, set http_only: true")
        return self


class Citation(Strict):
    source: str
    """The id of the source (a file in content/sources/)."""
    locator: str = NonEmpty
    """Where in the source: page, section, paragraph."""
    quote: str = NonEmpty
    """The exact passage. It must contain the figure, written any ordinary way: 59%, 59 percent; 1,499 or 1499."""
    via: str | None = None
    """The id of the coverage that carries the source's words, when the source itself was not read."""
    note: str = ""
    """What this passage gets wrong or leaves out (its base, its unit), in the site's words; shown beside the quote. Required when the statistic shows this source misstating the figure."""


class Figure(Strict):
    value: float
    """The number, written plainly: 1499 or 21.4 (no commas, no % sign)."""
    unit: Literal["percent", "count", "million", "words"]
    """What the number counts in."""
    display: str | None = None
    """How the page writes the figure, when not the plain number ("Over one third")."""
    approximate: bool = False
    """true to print "about" before the figure."""
    # "Over one third" is not the number 0.33: a figure in words states a bound, and says so.
    bound: Literal["lower", "upper"] | None = None
    """For a figure in words only: lower ("over one third": value is the bound, 33.3) or upper ("under half")."""
    bound_unit: Literal["percent", "times"] | None = None
    """For a figure in words only: what the bound counts in: percent (33.3) or times ("over twice as many": 2)."""

    @model_validator(mode="after")
    def _bound_for_words(self) -> "Figure":
        if self.unit == "words" and (self.bound is None or self.bound_unit is None):
            raise ValueError('a figure in words states a bound: add bound (lower or upper) and bound_unit '
                             '(percent or times), e.g. "Over one third" is value: 33.3, bound: lower, bound_unit: percent')
        if self.unit != "words" and (self.bound is not None or self.bound_unit is not None):
            raise ValueError("bound and bound_unit are only for figures in words (unit: words)")
        if self.unit == "words" and not self.display:
            raise ValueError("a figure in words needs its display, the words as printed (\"Over one third\")")
        return self


class Discrepancy(Strict):
    source: str
    """The id of the source that disagrees."""
    locator: str = NonEmpty
    """Where in that source: page, section, paragraph."""
    quote: str = NonEmpty
    """The exact passage that disagrees; it must contain the competing figure, if one is given."""
    says: str = NonEmpty
    """What that source states, in the site's words."""
    figure: str | None = None
    """The competing figure, as that source writes it ("1,600")."""
    # A credible source that reads the figure differently is not the same as a source shown to be wrong.
    kind: Literal["disagrees", "misstates"] = "disagrees"
    """disagrees (a credible source gives another figure or reading) or misstates (the site shows this source gets it wrong)."""
    resolution: str = NonEmpty
    """Which reading the site uses, and why."""


class Derivation(Strict):
    inputs: dict[str, str]
    """Each name used in the expression, and the slug of the statistic it stands for."""
    expression: str = Field(min_length=1, max_length=MAX_EXPRESSION_CHARS)
    """The arithmetic over the input names: + - * / and brackets, e.g. "a / b * 100"."""
    round_to: int = Field(default=0, ge=0, le=4)
    """How many decimal places the figure is rounded to (0 to 4)."""
    rounded_inputs: list[str] = []
    """The input names whose figures are rounded as printed; the build then works out and prints the range of results they allow."""
    explanation: str = NonEmpty
    """How the figure is worked out, and why, in plain words."""


DEFAULT_REMAINDER_LABEL = "Not specified in the source"


class ChartPoint(Strict):
    stat: str
    """The slug of the statistic whose figure the bar shows."""
    label: str = NonEmpty
    """The bar's label."""
    series: str | None = None
    """For a grouped chart: the group the bar belongs to (e.g. the year)."""


class Chart(Strict):
    id: str | None = Field(default=None, json_schema_extra=SLUG_SCHEMA)
    """Names the chart's files (/charts/<id>.svg); required on a fact sheet's chart."""
    kind: Literal["bar", "column", "grouped-column"]
    """bar (horizontal), column (vertical) or grouped-column (bars in groups, needs series)."""
    title: str = NonEmpty
    """The chart's title."""
    description: str = NonEmpty
    """One sentence: what the chart shows (read out by screen readers)."""
    value_label: str = NonEmpty
    """What the values are, e.g. "Share of victims (%)"."""
    points: list[ChartPoint] = Field(min_length=1)
    """The bars, in order; values always come from the statistics."""
    whole: float | None = None
    """What the parts add up to (100 for shares in percent); the rest is shown as not specified."""
    remainder_label: str = DEFAULT_REMAINDER_LABEL
    """The label of the remainder bar, when there is a whole."""

    @property
    def default_remainder(self) -> bool:
        """Whether the remainder bar has the default label (the interface's words, in every language)."""
        return self.remainder_label == DEFAULT_REMAINDER_LABEL

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return None if value is None else check_slug(value)


class HistoryEntry(Strict):
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    """When the change was published: YYYY-MM-DD, in quotes."""
    kind: Literal["correction", "update"]
    """correction (the site was wrong) or update (a source published newer or better figures)."""
    change: str = NonEmpty
    """What changed, in a sentence."""
    reason: str = NonEmpty
    """Why it changed."""
    previous: str | None = None
    """The figure as the site printed it before, if the figure itself changed."""

    _date = field_validator("date")(check_partial_date)


class Statistic(Strict):
    slug: str = Field(json_schema_extra=SLUG_SCHEMA)
    """The address (/stats/<slug>/): lower-case words joined by hyphens; the file is named <slug>.yaml."""
    # Contains {figure}; may name other figures as {figure:slug}. At most 280 characters, so that it
    # fits on a share card and in a post.
    sentence: str = Field(min_length=1, max_length=280)
    """The site's own sentence; {figure} marks where the figure is printed, {figure:other-slug} prints another statistic's figure."""
    short_title: str = NonEmpty
    """A short label, e.g. "Victims identified"."""
    figure: Figure
    """The figure itself: value and unit."""
    period: str = NonEmpty
    """When: the year or period the figure covers."""
    scope: str = NonEmpty
    """Exactly what is counted."""
    sheets: list[str] = []
    """The slugs of the fact sheets it belongs to (each sheet lists it too)."""
    headline: bool = False
    """true to show it on the home page."""
    status: Literal["reported", "derived", "disputed"] = "reported"
    """reported; derived (needs a derivation); or disputed (needs a discrepancy with a competing figure)."""
    citations: list[Citation] = Field(min_length=1)
    """One or more passages that state the figure."""
    caveats: list[str] = []
    """Plain sentences that travel with the figure."""
    derivation: Derivation | None = None
    """For a derived figure: how the build recomputes it from other statistics."""
    discrepancies: list[Discrepancy] = []
    """Sources that say something different, and how the site resolves it."""
    related: list[str] = []
    """The slugs of related statistics."""
    chart: Chart | None = None
    """An optional chart shown with the figure."""
    history: list[HistoryEntry] = []
    """Dated corrections and updates to this figure, newest last."""

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


class Statement(Strict):
    """A quotation shown on a sheet (an organisation's response, say), always with who said it and where."""

    speaker: str = NonEmpty
    """Who said it (a person, or an organisation)."""
    quote: str = NonEmpty
    """Their exact words."""
    source: str
    """The id of the source that reports it."""
    locator: str = NonEmpty
    """Where in that source: page, section, paragraph."""
    context: str = ""
    """One sentence, in the site's own words, on when and to whom it was said."""


class Sheet(Strict):
    slug: str = Field(json_schema_extra=SLUG_SCHEMA)
    """The address (/sheets/<slug>/): lower-case words joined by hyphens; the file is named <slug>.yaml."""
    title: str = NonEmpty
    """The sheet's title."""
    summary: str = NonEmpty
    """One sentence, for the home page and link previews."""
    introduction: str = NonEmpty
    """Markdown; {figure:slug} prints a linked figure."""
    statistics: list[str] = Field(min_length=1)
    """The slugs of its statistics, in order (each statistic lists the sheet too)."""
    charts: list[Chart] = []
    """Charts shown on the sheet."""
    statements: list[Statement] = []
    """Quotations shown on the sheet (an organisation's response, say), each with who said it and where."""
    order: int = 0
    """Its place among the sheets: lower comes first."""
    content_note: bool = False
    """true for sheets about the sexual exploitation of children: the page starts with a content note."""

    _slug = field_validator("slug")(check_slug)


class Helpline(Strict):
    name: str = NonEmpty
    """The helpline's name."""
    call: str = Field(pattern=PHONE_PATTERN)
    """The number to call, in quotes."""
    text: str = Field(pattern=PHONE_PATTERN)
    """The number to text, in quotes."""
    tty: str | None = Field(default=None, pattern=PHONE_PATTERN)
    """The TTY number, if any, in quotes."""
    hours: str = NonEmpty
    """When it answers."""
    url: str = Field(json_schema_extra=LINK_SCHEMA)
    """Its website (https)."""

    _url = field_validator("url")(check_url)

    @property
    def call_href(self) -> str:
        """The number to call as a tel: link: digits only, as phones dial it."""
        return "tel:" + self.call.replace("-", "")


class SiteConfig(Strict):
    title: str = NonEmpty
    """The site's name, on every page."""
    description: str = NonEmpty
    """One or two sentences for the home page and link previews."""
    base_url: str = Field(json_schema_extra=LINK_SCHEMA)
    """The site's address (https://...); the URL environment variable, set by Netlify, wins."""
    language: str = "en"
    """The pages' language code."""
    helpline: Helpline
    """The helpline shown on every page."""
    content_note: str = NonEmpty
    """The note shown before sheets marked content_note: true."""
    last_reviewed: str = Field(pattern=PARTIAL_DATE_PATTERN)
    """When the content was last reviewed: YYYY-MM-DD, in quotes."""
    report_errors_to: str = Field(json_schema_extra=LINK_SCHEMA)
    """Where readers report errors: a mailto: or https link."""
    quick_exit_url: str = "https://www.weather.gov/"
    """A neutral site the quick-exit button leaves for."""
    languages: list[str] = ["en"]
    """The languages the site is published in: en first (the language of content/ itself, at the site's root), then each translation (its files in content/<code>/, its pages under /<code>/, its interface words in locale/<code>/LC_MESSAGES/messages.po)."""

    _url = field_validator("report_errors_to", "quick_exit_url")(check_url)
    _base_url = field_validator("base_url")(check_origin)
    _date = field_validator("last_reviewed")(check_partial_date)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        bad = [code for code in value if not re.fullmatch(r"[a-z]{2}", code)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a language code: write a two-letter code in lower case, e.g. es")
        if not value or value[0] != "en" or len(set(value)) != len(value):
            raise ValueError("languages starts with en, the language of content/ itself, and lists each translation once, e.g. [en, es]")
        return value

    @property
    def short_name(self) -> str:
        """The title before any colon: the name cards and citations credit."""
        return self.title.split(":")[0]

    @property
    def title_after_name(self) -> str:
        """The rest of the title after its short name (": federal cases in 2020"), or nothing."""
        return self.title[len(self.short_name):]
