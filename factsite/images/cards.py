"""Share cards: a 1200x630 PNG per statistic, sheet and the home page, for link previews.

Each card is a small HTML page (templates/card.html) screenshotted in the build's headless Chromium.
The sentence shrinks to fit; a card whose text still does not fit stops the build, so no preview is
ever cut. Cards are cached by a hash of what shapes them, so an unchanged card is never rendered again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jinja2 import Environment

from ..content.locales import DEFAULT_LANGUAGE
from ..web.jobs import CARD_HEIGHT as HEIGHT, CARD_WIDTH as WIDTH, Card
from .headless import Headless, ImageCache, render_cached

CARD_VERSION = "1"
SENTENCE_SIZES = [44, 40, 36, 32, 30, 28]  # px, largest first; 28 px still reads on a phone preview

# Shrinks the sentence until nothing overflows; reports what still overflows, measured on the layout.
_FIT = """
() => {
  const sentence = document.querySelector('.sentence');
  const sizes = %s;
  // Overflow is measured on the laid-out page: text wider than its box, or taller than the box that clips it.
  const card = document.querySelector('.card').getBoundingClientRect();
  const overflowing = () => [...document.querySelectorAll('.card *')].filter(el => {
    const box = el.getBoundingClientRect();
    return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1 && el.classList.contains('sentence')
      || box.right > card.right + 0.5 || box.bottom > card.bottom + 0.5;
  }).map(el => el.className || el.tagName);
  let problems = [];
  for (const size of sizes) {
    sentence.style.fontSize = size + 'px';
    problems = overflowing();
    if (problems.length === 0) return {size, problems};
  }
  return {size: sizes[sizes.length - 1], problems};
}
""" % SENTENCE_SIZES


class CardDoesNotFit(ValueError):
    pass


def not_fitting(card: Card, problems: list[str], size: int) -> str:
    """One located line for each text that may be shortened: the part that overflows and, when it is
    the sentence (which shrinks into the room the others leave), the title and figure above it too."""
    origin = dict(card.origin() if card.origin else ())
    parts = [part for part in dict.fromkeys(" ".join(problems).split()) if part in origin] or ["sentence"]
    if "sentence" in parts:
        parts += [part for part in ("kicker", "figure") if part in origin and part not in parts]
    return "\n".join(
        f"{origin.get(part, 'build')}: the share card for {card.url} does not fit even with its sentence at {size} px: "
        "shorten this text, or another one of this card's"
        for part in parts
    )


def card_key(card: Card, template_source: str) -> str:
    """A hash of everything that shapes the card's image: its words, the template, the size and the
    script that fits the sentence (before, a change to that script kept serving the old cards).
    Computed without rendering the card: only a missing card is rendered."""
    material = json.dumps([CARD_VERSION, WIDTH, HEIGHT, _FIT, template_source, card.kicker, card.figure,
                           card.sentence, card.source_line, card.site_name]
                          + ([card.language] if card.language != DEFAULT_LANGUAGE else []))  # English cards' keys as they were
    return hashlib.sha256(material.encode()).hexdigest()


async def measure_and_shoot(page, html: str) -> tuple[bytes, dict]:
    """Lay the card out, fit the sentence, and screenshot it; returns (png, fit report)."""
    await page.set_content(html, wait_until="load")
    await page.evaluate("document.fonts.ready.then(() => true)")
    report = await page.evaluate(_FIT)
    return await page.screenshot(clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT}, type="png"), report


def render_cards(cards: list[Card], env: Environment, cache: ImageCache, headless: Headless) -> tuple[dict[str, Path], int]:
    """Every card as output path -> its PNG in the cache; returns how many had to be rendered. The
    missing cards are drawn on several pages at once (headless.pages), the same bytes as on one."""
    template_source = env.loader.get_source(env, "card.html")[0]  # type: ignore[union-attr]

    async def shoot(page, card: Card, key: str) -> bytes:
        png, report = await measure_and_shoot(page, card.html(env))
        if report["problems"]:
            raise CardDoesNotFit(not_fitting(card, report["problems"], report["size"]))
        return png

    return render_cached(cards, cache, "png", lambda card: card_key(card, template_source), headless,
                         lambda: headless.page(viewport={"width": WIDTH, "height": HEIGHT}), shoot, "cards")
