"""Images drawn on several browser pages at once: the same files, byte for byte, as on one page.

Chart images, cards and PDFs of the shipped (bilingual) content are drawn once with one page and
once with three (cards, drawn without the browser, with one worker process and with three), each
into an empty cache; every file must be identical and the three pages must really have been used. `on_pages`, which hands the work to the pages, is tested without a browser:
results in order, pages working at the same time, and on failure the error a one-page run raises.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from factsite.content.locales import DEFAULT_LANGUAGE
from factsite.images import chart_export
from factsite.images import headless as headless_module
from factsite.images import pdf as pdf_module
from factsite.images.cards import render_cards
from factsite.images.headless import Headless, ImageCache, on_pages
from factsite.images.pdf import render_pdfs
from factsite.pipeline import load_and_validate, plan_site, render_in_memory
from factsite.web.charts import image_jobs
from factsite.web.render import make_environment

from .conftest import ROOT


@pytest.fixture(scope="module")
def shipped():
    content, _ = load_and_validate(ROOT / "content")
    assert content is not None and len(content.site.languages) > 1
    models = plan_site(content, content.site.base_url)
    envs = {model.language: make_environment(ROOT / "templates", None, model.language) for model in models}
    return content, models, envs


def _draw_everything(shipped, pages: int, cache_dir: Path, monkeypatch) -> tuple[dict[str, bytes], list[int]]:
    """Every chart image, card and PDF of the shipped content, drawn with `pages` pages into an empty
    cache, as output path -> bytes; and how many pages each of the three steps opened."""
    content, models, envs = shipped
    monkeypatch.setattr(chart_export, "BATCH", 8)  # the shipped charts in six batches, not two
    cache = ImageCache(cache_dir)
    files = render_in_memory(content, content.site.base_url, draft=False)
    drawn: dict[str, Path] = {}
    opened = []
    with Headless(pages=pages) as browser:
        jobs = [job for model in models for chart in model.all_charts() for job in image_jobs(chart)]
        images, count = chart_export.export_images(jobs, cache, browser)
        assert count == len(images) > 8 * 3  # more batches than pages
        files.add_all(images)
        drawn.update(images)
        opened.append(browser.opened)
        cards, count = render_cards([card for model in models for card in model.cards()], envs, cache, workers=pages)
        assert count == len(cards) > 50
        drawn.update(cards)
        opened.append(browser.opened - sum(opened))  # none: cards are drawn without the browser
        pdfs, count = render_pdfs([job for model in models for job in model.pdf_jobs()], files, cache, browser)
        assert count == len(pdfs) >= 10
        drawn.update(pdfs)
        opened.append(browser.opened - sum(opened))
    return {output: path.read_bytes() for output, path in drawn.items()}, opened


def test_several_pages_draw_the_same_bytes_as_one(shipped, tmp_path: Path, monkeypatch) -> None:
    one, opened_one = _draw_everything(shipped, 1, tmp_path / "one", monkeypatch)
    three, opened_three = _draw_everything(shipped, 3, tmp_path / "three", monkeypatch)
    assert opened_one == [1, 0, 1]
    assert opened_three == [3, 0, 3]
    assert list(one) == list(three)  # the same files, in the same order
    assert [name for name in one if one[name] != three[name]] == []
    languages = {DEFAULT_LANGUAGE} | {name.split("/")[0] for name in one if name.startswith("es/")}
    assert languages == {"en", "es"}  # both languages' cards, charts and PDFs


def test_a_cached_image_opens_no_page(shipped, tmp_path: Path) -> None:
    _, models, envs = shipped
    jobs = [job for model in models for chart in model.all_charts() for job in image_jobs(chart)][:5]
    with Headless(pages=3) as browser:
        assert chart_export.export_images(jobs, ImageCache(tmp_path), browser)[1] == 5
        opened = browser.opened
        assert chart_export.export_images(jobs, ImageCache(tmp_path), browser)[1] == 0
        assert browser.opened == opened  # nothing to draw: no page opened


def test_two_pages_per_usable_core_by_default(monkeypatch) -> None:
    monkeypatch.setattr(headless_module, "usable_cores", lambda: 3)
    assert Headless().pages == 6
    monkeypatch.setattr(headless_module, "usable_cores", lambda: 1)
    assert Headless().pages == 2
    assert Headless(pages=1).pages == 1


def test_on_pages_keeps_the_order_and_works_on_every_page_at_once() -> None:
    busy, most, used = set(), [0], []

    async def work(page: str, item: int) -> int:
        busy.add(page)
        most[0] = max(most[0], len(busy))
        used.append(page)
        await asyncio.sleep(0.001 * (item % 3))  # items finish out of order
        busy.discard(page)
        return item * 10

    results = asyncio.run(on_pages(["a", "b", "c"], list(range(20)), work))
    assert results == [item * 10 for item in range(20)]
    assert most[0] == 3 and set(used) == {"a", "b", "c"}


def test_on_pages_raises_the_first_failing_items_error_as_one_page_would() -> None:
    started = []

    async def work(page: str, item: int) -> int:
        started.append(item)
        await asyncio.sleep(0.02 if item == 2 else 0.001)
        if item in (2, 3):
            raise ValueError(f"item {item}")
        return item

    with pytest.raises(ValueError, match="item 2"):  # item 3 fails first, but 2 comes first in the list
        asyncio.run(on_pages(["a", "b"], list(range(50)), work))
    assert max(started) < 10  # no page took more work once an item had failed


def test_a_sheet_written_into_a_used_page_prints_what_a_page_navigated_to_it_prints(shipped, tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """A page prints its first sheet after navigating to it and writes the next ones into the same
    document, at their own address (pdf._load): each must print the bytes a fresh page, navigated to
    it, prints, and be loaded once for both its papers."""
    content, models, _ = shipped
    files = render_in_memory(content, content.site.base_url, draft=False)
    jobs = [job for model in models for job in model.pdf_jobs()]
    jobs = jobs[:4] + [job for job in jobs if job.output.startswith("es/")][:2]  # a Spanish sheet after English ones
    assert len({job.page_url for job in jobs}) == 3 and len(jobs) == 6
    loads: list[str] = []
    load = pdf_module._load

    async def counted_load(page, job, files) -> None:
        loads.append(job.page_url)
        await load(page, job, files)

    monkeypatch.setattr(pdf_module, "_load", counted_load)
    with Headless(pages=1) as browser:
        written, _ = render_pdfs(jobs, files, ImageCache(tmp_path / "written"), browser)
        assert browser.opened == 1 and len(loads) == 3  # one page; each sheet loaded once for its two papers
        for number, job in enumerate(jobs[2:]):
            alone, _ = render_pdfs([job], files, ImageCache(tmp_path / f"alone-{number}"), browser)
            assert alone[job.output].read_bytes() == written[job.output].read_bytes(), job.output
        assert browser.opened == 5  # each alone on a page of its own, navigated to
