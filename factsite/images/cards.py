"""Share cards: a 1200x630 PNG per statistic, sheet and the home page, for link previews.

Drawn with Pillow, without a browser: FreeType draws the Inter font's glyphs and Raqm (HarfBuzz)
shapes and kerns them. The layout is the one the cards had as an HTML page screenshotted in
Chromium, worked out here in px the way CSS laid it out (DESIGN): a blue border on the left; in the
padding box, the kicker, the figure, the sentence, and at the bottom a footer, over a grey rule, of
the source (wrapping) and the site's name (one line, at the right). The sentence takes the room the
others leave and shrinks through SENTENCE_SIZES until it fits; a card whose text still does not fit
stops the build (CardDoesNotFit, naming the file, line and field to shorten), so no preview is ever
cut. Measured in cold full builds, this draws and encodes a card in 3.4-4.4 times less CPU than
Chromium's screenshot took (README.md, "Cards without a browser"), with the sentence size Chromium
chose and every line where Chromium put it (within 3 px) on all the shipped cards.

The missing cards are drawn in forked worker processes, one per usable core (few of them, as in the
dev server's rebuilds, in this process). Cards are cached by a hash of what shapes them (card_key):
an unchanged card is never drawn again. A card's bytes depend only on its words, the fonts and the
versions of Pillow and its libraries, never on the process or the worker count that drew it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment

from ..content.parallel import can_fork, fork_pool, usable_cores
from ..web.catalogues import N_
from ..web.jobs import CARD_HEIGHT as HEIGHT, CARD_WIDTH as WIDTH, Card
from .headless import ImageCache, find_cached, in_order
from .progress import Progress

CARD_VERSION = "3"  # 3: drawn with Pillow, not screenshotted in Chromium: other pixels, so cached cards are redrawn
SENTENCE_SIZES = [44, 40, 36, 32, 30, 28]  # px, largest first; 28 px still reads on a phone preview
SOURCE_LINE = N_("Source: %(sources)s")  # the footer's words, translated with the card's language's catalogue

FONT_FILES = {"regular": "Inter-Regular.otf", "medium": "Inter-Medium.otf", "semibold": "Inter-SemiBold.otf",
              "bold": "Inter-Bold.otf", "extrabold": "Inter-ExtraBold.otf"}  # CSS weights 400, 500, 600, 700, 800
# Shipped with the code (factsite/vendor/fonts/, OFL): every machine draws the same cards, whatever
# fonts it has installed (Netlify's build image has no Inter).
FONT_DIR = Path(__file__).resolve().parent.parent / "vendor" / "fonts"


@dataclass(frozen=True)
class Style:
    """How one part of the card is set: a weight of FONT_FILES, size in px, colour, line height (a
    multiple of the size; None is the font's own, CSS's `normal`) and letter spacing (em)."""

    weight: str
    size: int
    colour: str
    line_height: float | None = None
    letter_spacing: float = 0.0


@dataclass(frozen=True)
class Design:
    """The card's layout in px, as the CSS of the former templates/card.html had it. Part of every
    card's key (card_key)."""

    border: int = 20  # the blue column at the left, inside the 1200 px
    border_colour: str = "#005a9c"
    padding: tuple[int, int, int, int] = (52, 64, 44, 84)  # top, right, bottom, left, inside the border
    kicker: Style = Style("semibold", 28, "#4d4d4d")
    kicker_gap: int = 8  # below the kicker
    figure_sizes: tuple[tuple[int, int], ...] = ((8, 150), (16, 104), (10**6, 64))  # (most characters, px): a figure large, a title smaller
    figure: Style = Style("extrabold", 0, "#005a9c", 1.02, -0.02)  # its size from figure_sizes
    figure_gap: int = 14
    sentence: Style = Style("medium", 0, "#1a1a1a", 1.25)  # its size from SENTENCE_SIZES
    footer_gap: int = 18  # above the rule
    rule: int = 2
    rule_colour: str = "#d0d0d0"
    rule_gap: int = 18  # below the rule
    source: Style = Style("regular", 24, "#4d4d4d", 1.3)
    site: Style = Style("bold", 24, "#1a1a1a")
    site_gap: int = 32  # between the source and the site's name
    background: str = "#ffffff"
    coverage_levels: int = 84  # antialiasing levels per text colour: three colours' in one 256-colour palette


DESIGN = Design()
# Where a line may break: after spaces, and after a hyphen or dash that a letter follows (as Chromium
# breaks them; not "-5").
_BREAK = re.compile(r"\s+|(?<=[-\u2013\u2014])(?=[^\W\d_])")


class CardDoesNotFit(ValueError):
    pass


def not_fitting(card: Card, problems: list[str], size: int) -> str:
    """One located line for each text that may be shortened: the part that overflows and, when it is
    the sentence (which shrinks into the room the others leave), the title and figure above it too."""
    origin = dict(card.origin() if card.origin else ())
    parts = [part for part in problems if part in origin] or ["sentence"]
    if "sentence" in parts:
        parts += [part for part in ("kicker", "figure") if part in origin and part not in parts]
    return "\n".join(
        f"{origin.get(part, 'build')}: the share card for {card.url} does not fit even with its sentence at {size} px: "
        "shorten this text, or another one of this card's"
        for part in parts
    )


# --- fonts -----------------------------------------------------------------------------------------

def font_files() -> dict[str, Path]:
    """Each weight's Inter file, as shipped in FONT_DIR."""
    return {weight: FONT_DIR / name for weight, name in FONT_FILES.items()}


_digests: dict[tuple[str, int, int], str] = {}


def font_identity() -> list[tuple[str, str]]:
    """Each font file's name and the digest of its bytes (remembered by path, size and time): a
    changed font redraws the cards, the same font elsewhere keeps their keys."""
    identity = []
    for weight, path in sorted(font_files().items()):
        stat = path.stat()
        stamp = (str(path), stat.st_size, stat.st_mtime_ns)
        if stamp not in _digests:
            _digests[stamp] = hashlib.sha256(path.read_bytes()).hexdigest()
        identity.append((path.name, _digests[stamp]))
    return identity


@cache
def _layout() -> tuple[Any, list[str]]:
    """Pillow's text layout: Raqm (HarfBuzz shapes and kerns, as Chromium does) where Pillow finds it,
    else its basic layout, unkerned (Pillow's wheels load FriBiDi, which Raqm needs, from the system)."""
    from PIL import ImageFont, features

    if features.check("raqm"):
        return ImageFont.Layout.RAQM, [f"{name} {features.version(name)}" for name in ("raqm", "harfbuzz", "fribidi")]
    return ImageFont.Layout.BASIC, ["basic layout"]


@cache
def drawing_engine() -> list[str]:
    """The versions of what turns the layout into bytes: Pillow, FreeType (glyphs), the text layout
    (Raqm, HarfBuzz and FriBiDi, or Pillow's basic one) and zlib (the PNG's compression)."""
    from PIL import __version__, features

    return ([f"pillow {__version__}", f"freetype2 {features.version('freetype2')}"] + _layout()[1]
            + [f"zlib {features.version('zlib')}"])


@cache
def _font(weight: str, size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(font_files()[weight]), size, layout_engine=_layout()[0])


@cache
def _vertical(weight: str) -> tuple[float, float]:
    """The font's ascent and descent, in em (its hhea metrics, as Chromium reads them on Linux)."""
    ascent, descent = _font(weight, 2048).getmetrics()
    return ascent / 2048, descent / 2048


def _metrics(style: Style, size: int) -> tuple[int, int]:
    """Ascent and descent in whole px at `size`, rounded as Chromium rounds them."""
    ascent, descent = _vertical(style.weight)
    return math.floor(ascent * size + 0.5), math.floor(descent * size + 0.5)


_widths: dict[tuple[str, int, str], float] = {}  # (weight, size, text) -> advance in px, kerned


def _width(style: Style, size: int, text: str) -> float:
    key = (style.weight, size, text)
    width = _widths.get(key)
    if width is None:
        width = _widths[key] = _font(style.weight, size).getlength(text)
    return width + style.letter_spacing * size * len(text)


# --- layout ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """One line of text to draw: its left edge, baseline, words, style and size."""

    x: float
    baseline: int
    text: str
    style: Style
    size: int


@dataclass
class Layout:
    runs: list[Run] = field(default_factory=list)
    rule_top: int = 0
    sentence_size: int = SENTENCE_SIZES[0]
    problems: list[str] = field(default_factory=list)  # the parts that overflow, in the card's order


def _pieces(text: str) -> list[tuple[str, str]]:
    """The text's unbreakable pieces, each with what follows it: " " (a space) or "" (a break after a dash)."""
    text = " ".join(text.split())
    pieces, start = [], 0
    for match in _BREAK.finditer(text):
        pieces.append((text[start:match.start()], " " if match.group() else ""))
        start = match.end()
    pieces.append((text[start:], ""))
    return [(word, after) for word, after in pieces if word]


def wrap(text: str, style: Style, size: int, width: float) -> tuple[list[str], float]:
    """Lines of `text` broken to fill `width` px (a piece on a line of its own if it is wider), and the
    widest piece's width. Widths are summed word by word, as Chromium shapes them."""
    space = _width(style, size, " ")
    lines: list[str] = []
    line, line_width, gap, widest = "", 0.0, "", 0.0
    for word, after in _pieces(text):
        word_width = _width(style, size, word)
        widest = max(widest, word_width)
        joined = line_width + (space if gap else 0.0) + word_width
        if line and joined > width + 1 / 64:
            lines.append(line)
            line, line_width = word, word_width
        else:
            line, line_width = line + gap + word, joined
        gap = after
    if line:
        lines.append(line)
    return lines, widest


def _line_box(style: Style, size: int) -> tuple[float, int]:
    """A line's height and its baseline's distance from the line's top: the font's ascent and descent
    centred in the line height, as CSS does (the half-leading above in whole px, as Chromium puts it)."""
    ascent, descent = _metrics(style, size)
    if style.line_height is None:
        return float(ascent + descent), ascent
    height = size * style.line_height
    return height, ascent + math.floor((height - ascent - descent) / 2)


def _baseline(line_top: float, baseline: int) -> int:
    return math.floor(line_top + baseline + 0.5)


def figure_size(figure: str | None) -> int:
    length = len(figure or "")
    return next(size for most, size in DESIGN.figure_sizes if length <= most)


def lay_out(card: Card, footer: str) -> Layout:
    """Where every line of the card goes; `problems` lists what overflows even at the smallest
    sentence size (empty when the card fits). The rule Chromium's fitting script applied: a text wider
    than its box, the sentence taller than the room left for it, or anything past the card's edge."""
    design = DESIGN
    top, right, bottom, left = design.padding
    left, right, bottom = design.border + left, WIDTH - right, HEIGHT - bottom
    width = right - left
    layout, problems, y = Layout(), [], float(top)

    def place(text: str, style: Style, size: int, box: float, x: float, y: float, part: str) -> float:
        lines, widest = wrap(text, style, size, box)
        if widest > box + 1:
            problems.append(part)
        height, baseline = _line_box(style, size)
        for number, line in enumerate(lines):
            layout.runs.append(Run(x, _baseline(y + number * height, baseline), line, style, size))
        return len(lines) * height

    y += place(card.kicker, design.kicker, design.kicker.size, width, left, y, "kicker") + design.kicker_gap
    if card.figure:
        y += place(card.figure, design.figure, figure_size(card.figure), width, left, y, "figure") + design.figure_gap
    site = design.site
    site_width = _width(site, site.size, card.site_name)
    if site_width > width - design.site_gap + 1:
        problems.append("site")
    source_box = max(0.0, width - design.site_gap - site_width)  # the source shrinks to leave the site's name its line
    source_lines, source_widest = wrap(footer, design.source, design.source.size, source_box)
    if source_widest > source_box + 1:
        problems.append("source")
    source_height, source_baseline = _line_box(design.source, design.source.size)
    site_height, site_baseline = _line_box(site, site.size)
    source_top = bottom - len(source_lines) * source_height  # the footer's items align at its bottom
    for number, line in enumerate(source_lines):
        layout.runs.append(Run(left, _baseline(source_top + number * source_height, source_baseline), line,
                               design.source, design.source.size))
    layout.runs.append(Run(right - site_width, _baseline(bottom - site_height, site_baseline), card.site_name,
                           site, site.size))
    rule_top = bottom - max(len(source_lines) * source_height, site_height) - design.rule_gap - design.rule
    layout.rule_top = math.floor(rule_top + 0.5)
    room = rule_top - design.footer_gap - y  # the sentence's box: what the others leave
    if room < 0:
        problems.append("source")  # the footer is pushed past the card's bottom edge
    others = len(layout.runs)
    for size in SENTENCE_SIZES:
        del layout.runs[others:]
        lines, widest = wrap(card.sentence, design.sentence, size, width)
        height, baseline = _line_box(design.sentence, size)
        overflowing = ["sentence"] if widest > width + 1 or len(lines) * height > room + 1 else []
        layout.runs += [Run(left, _baseline(y + number * height, baseline), line, design.sentence, size)
                        for number, line in enumerate(lines)]
        layout.sentence_size = size
        if not problems and not overflowing:
            break
    found = set(problems) | set(overflowing)
    layout.problems = [part for part in ("kicker", "figure", "sentence", "source", "site") if part in found]
    return layout


# --- drawing ---------------------------------------------------------------------------------------

def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@cache
def _palette() -> tuple[dict[str, int], list[int], bytes]:
    """The card's 256-colour palette: the background (index 0), then for each text colour its blends
    with the background, one per coverage level, and the rule. Returns each text colour's first index,
    the palette and the rule's index (as one byte)."""
    design = DESIGN
    text_colours = list(dict.fromkeys(style.colour for style in (design.kicker, design.figure, design.sentence,
                                                                 design.source, design.site)))
    levels = design.coverage_levels
    background = _rgb(design.background)
    palette, first = list(background), {}
    for colour in text_colours:
        first[colour] = len(palette) // 3
        ink = _rgb(colour)
        for level in range(1, levels + 1):
            palette += [round(back + (value - back) * level / levels) for back, value in zip(background, ink)]
    rule = len(palette) // 3
    palette += list(_rgb(design.rule_colour))
    assert rule < 256 and design.border_colour in first, "the palette must hold every colour"
    return first, palette, bytes([rule])


@cache
def _tables(colour: str) -> tuple[list[int], list[int]]:
    """For text in `colour`: coverage (0-255) -> palette index, and coverage -> a mask (255 where it inks)."""
    first = _palette()[0][colour]
    levels = DESIGN.coverage_levels
    indices = [0 if (level := (coverage * levels + 127) // 255) == 0 else first + level - 1 for coverage in range(256)]
    return indices, [255 if index else 0 for index in indices]


def _draw_run(canvas: Any, run: Run) -> None:
    """Draws the run's coverage in a tile of its own, then puts its palette indices on the canvas
    where it inks: the runs' colours never blend, whatever overlaps."""
    from PIL import Image, ImageDraw

    font = _font(run.style.weight, run.size)
    ascent, descent = _metrics(run.style, run.size)
    margin = max(2, run.size // 8)
    x0 = max(0, math.floor(run.x) - margin)
    y0 = max(0, run.baseline - ascent - margin)
    spacing = run.style.letter_spacing * run.size

    def width(text: str) -> float:  # as _width, but not remembered: each drawn line is drawn once
        return font.getlength(text) + spacing * len(text)

    x1 = min(WIDTH, math.ceil(run.x + width(run.text)) + margin)
    y1 = min(HEIGHT, run.baseline + descent + margin)
    if x1 <= x0 or y1 <= y0:
        return
    tile = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(tile)
    if spacing:  # letter by letter, each where the kerned text puts it plus the spacing so far
        for number, character in enumerate(run.text):
            x = width(run.text[:number + 1]) - width(character)
            draw.text((run.x - x0 + x, run.baseline - y0), character, fill=255, font=font, anchor="ls")
    else:
        draw.text((run.x - x0, run.baseline - y0), run.text, fill=255, font=font, anchor="ls")
    indices, mask = _tables(run.style.colour)
    canvas.paste(tile.point(indices), (x0, y0), tile.point(mask))


def draw_card(card: Card, footer: str, compress_level: int = 1) -> tuple[bytes | None, Layout]:
    """The card's PNG (None if it does not fit) and its layout. A palette PNG: the card has three text
    colours, each antialiased in `coverage_levels` steps, so it takes a third of the bytes of RGB to
    compress, at zlib's fastest level."""
    from PIL import Image

    layout = lay_out(card, footer)
    if layout.problems:
        return None, layout
    design = DESIGN
    first, palette, rule = _palette()
    canvas = Image.new("L", (WIDTH, HEIGHT), 0)
    canvas.paste(first[design.border_colour] + design.coverage_levels - 1, (0, 0, design.border, HEIGHT))
    top, right, bottom, left = design.padding
    canvas.paste(rule[0], (design.border + left, layout.rule_top, WIDTH - right, layout.rule_top + design.rule))
    for run in layout.runs:
        _draw_run(canvas, run)
    canvas.putpalette(palette)
    out = io.BytesIO()
    canvas.save(out, "PNG", compress_level=compress_level)
    return out.getvalue(), layout


# --- the cards of a build --------------------------------------------------------------------------

def footer_line(card: Card, env: Environment) -> str:
    """The footer's words in the card's language, through the catalogue its pages use."""
    return env.globals["translated"](SOURCE_LINE) % {"sources": card.source_line}


def drawing() -> str:
    """What shapes every card alike: the version, size, design and sentence sizes, the fonts' bytes
    and the drawing libraries' versions (worked out once per render_cards call, not per card)."""
    return json.dumps([CARD_VERSION, WIDTH, HEIGHT, asdict(DESIGN), SENTENCE_SIZES, font_identity(), drawing_engine()])


def card_key(card: Card, footer: str, shared: str | None = None) -> str:
    """A hash of everything that shapes the card's image: its words (the footer as translated) and
    what shapes every card (`shared`, from drawing()). Computed without drawing the card: only a
    missing card is drawn."""
    material = json.dumps([drawing() if shared is None else shared, card.kicker, card.figure, card.sentence, footer,
                           card.site_name])
    return hashlib.sha256(material.encode()).hexdigest()


PARALLEL_FROM = 24  # missing cards: fewer are drawn here (a dev server's rebuild), not worth forking for
CHUNK = 8  # cards a worker takes at a time

_JOB: tuple[list[tuple[str, Card, str]], ImageCache] | None = None  # what forked workers draw: (key, card, footer)


def _draw_into_cache(index: int) -> tuple[str | None, int, list[str]]:
    """Draws the job's `index`th card into the cache: its file, or (None, size, problems) if it does not fit."""
    assert _JOB is not None
    work, image_cache = _JOB
    key, card, footer = work[index]
    png, layout = draw_card(card, footer)
    if png is None:
        return None, layout.sentence_size, layout.problems
    return str(image_cache.put(key, "png", png)), layout.sentence_size, []


def _ready_to_fork() -> None:
    """Everything a worker imports, imported before the fork, and the fonts loaded: a lock that
    another thread of this process held at the fork (one importing a module) would stay held in the
    worker. The workers share the loaded fonts, too."""
    from PIL import Image, ImageDraw, ImageFont, PngImagePlugin  # noqa: F401

    Image.preinit()
    for weight in FONT_FILES:
        _vertical(weight)
    for style in (DESIGN.kicker, DESIGN.source, DESIGN.site):
        _font(style.weight, style.size)
    for size in SENTENCE_SIZES:
        _font(DESIGN.sentence.weight, size)
    for _, size in DESIGN.figure_sizes:
        _font(DESIGN.figure.weight, size)


def render_cards(cards: list[Card], env: Environment | Mapping[str, Environment], cache: ImageCache,
                 workers: int | None = None) -> tuple[dict[str, Path], int]:
    """Every card as output path -> its PNG in the cache; returns how many had to be drawn. `env` is
    the Jinja environment of the cards' language, or one per language (a card's `language` picks it),
    whose catalogue translates the footer. The missing cards are drawn in `workers` forked processes
    (default: one per usable core), the same bytes as in one. Cards with the same key are drawn once.
    When a card does not fit, CardDoesNotFit is raised for the first such card in the list."""
    global _JOB
    envs = env if isinstance(env, Mapping) else None
    shared = drawing() if cards else ""
    footers: dict[str, str] = {}  # key -> the footer its card was keyed with

    def key_of(card: Card) -> str:
        footer = footer_line(card, envs[card.language] if envs else env)  # type: ignore[arg-type]
        key = card_key(card, footer, shared)
        footers[key] = footer
        return key

    results, missing, waiting = find_cached(cards, cache, "png", key_of)
    if not missing:
        return results, 0
    work = [(key, card, footers[key]) for key, card in missing.items()]
    workers = usable_cores() if workers is None else max(1, workers)
    workers = min(workers, math.ceil(len(work) / CHUNK))
    drawn: dict[str, Path] = {}
    _JOB = (work, cache)
    try:
        with Progress("cards", len(work), verb="to draw") as progress:
            # Forked while Pagefind's indexing thread (web/search.py) and the site writer's threads
            # run: the workers only draw and write cache files, and import nothing (_ready_to_fork).
            pool = None
            if can_fork(workers) and len(work) >= PARALLEL_FROM:
                _ready_to_fork()
                pool = fork_pool(workers)
            try:
                done = (pool.imap(_draw_into_cache, range(len(work)), CHUNK) if pool is not None
                        else map(_draw_into_cache, range(len(work))))
                for (key, card, _), (path, size, problems) in zip(work, done):
                    if path is None:  # the first card in the list's order that does not fit
                        raise CardDoesNotFit(not_fitting(card, problems, size))
                    drawn[key] = Path(path)
                    progress.advance()
            finally:
                if pool is not None:
                    pool.terminate()
                    pool.join()
    finally:
        _JOB = None
    return in_order(cards, results, waiting, drawn), len(missing)
