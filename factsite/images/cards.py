"""Share cards: a 1200x630 PNG per statistic, sheet and the home page, for link previews.

Each card is a small HTML page (templates/card.html) screenshotted in the build's headless Chromium.
The sentence shrinks to fit; a card whose text still does not fit stops the build, so no preview is
ever cut. Cards are cached by a hash of what shapes them, so an unchanged card is never rendered again.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment

from ..content.locales import DEFAULT_LANGUAGE
from ..web.jobs import CARD_HEIGHT as HEIGHT, CARD_WIDTH as WIDTH, Card
from .headless import Headless, ImageCache, render_cached

CARD_VERSION = "2"  # 2: encoded for speed (optimizeForSpeed): the same pixels in other bytes, so cached cards are redrawn
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
    """Lay the card out, fit the sentence once the fonts are ready, and screenshot it; returns (png, fit
    report). The screenshot is Chromium's own (`Page.captureScreenshot`, the call Playwright's
    `page.screenshot` makes) without what Playwright adds around it (hiding the caret in every frame,
    waiting on the page): a fifth of a card's time in the renderer. It is encoded for speed (zlib's
    fastest level, one row filter): the same pixels in 69 KB on average, not 51, but Chromium encodes every
    page's screenshots on its one main thread, and the default encoding was two fifths of a card's
    CPU. Either encoding is deterministic: the same pixels always give the same bytes."""
    await page.set_content(html, wait_until="load")
    report = await page.evaluate("document.fonts.ready.then(() => (%s)())" % _FIT.strip())
    shot = await (await _devtools(page)).send("Page.captureScreenshot", {
        "format": "png", "optimizeForSpeed": True, "clip": {"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT, "scale": 1}})
    return base64.b64decode(shot["data"]), report


async def _devtools(page):
    """The page's own DevTools session, opened once per page."""
    session = getattr(page, "_factsite_devtools", None)
    if session is None:
        session = page._factsite_devtools = await page.context.new_cdp_session(page)
    return session


def render_cards(cards: list[Card], env: Environment | Mapping[str, Environment], cache: ImageCache,
                 headless: Headless) -> tuple[dict[str, Path], int]:
    """Every card as output path -> its PNG in the cache; returns how many had to be rendered. `env` is
    the Jinja environment of the cards' language, or one per language (a card's `language` picks it),
    so that a bilingual site's cards are drawn in one go. The missing cards are drawn on several
    pages at once (headless.pages), the same bytes as on one."""
    envs = env if isinstance(env, Mapping) else None
    some_env = next(iter(envs.values())) if envs else env  # every language's card.html is the one file
    source = some_env.loader.get_source(some_env, "card.html")[0]  # type: ignore[union-attr]

    async def shoot(page, card: Card, key: str) -> bytes:
        png, report = await measure_and_shoot(page, card.html(envs[card.language] if envs else env))
        if report["problems"]:
            raise CardDoesNotFit(not_fitting(card, report["problems"], report["size"]))
        return png

    return render_cached(cards, cache, "png", lambda card: card_key(card, source), headless,
                         lambda: headless.page(viewport={"width": WIDTH, "height": HEIGHT}), shoot, "cards")
