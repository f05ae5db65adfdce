"""Archived copies: `build.py archive` against a fake Wayback Machine, the pages that show them, and a
build that asks the network nothing."""

from __future__ import annotations

import http.server
import ipaddress
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from factsite.archive import Wayback, archive_command, set_fields
from factsite.links import PoliteClient
from factsite.pipeline import build_site

from .conftest import ROOT, copy_good_tree

URL = "https://example.org/report"
COMMENTED_SOURCE = """\
# A source, with comments the edit must keep.
id: report
short_name: The Report, 2020   # as the pages name it
title: The Report
publisher: An Institute
authors: [A. Author]
date_published: "2021-06"
url: https://example.org/report
date_accessed: "2026-01-01"
kind: primary report

# Where else to read it.
notes: >-
  A long note that
  runs over two lines.
"""


class FakeWayback(http.server.BaseHTTPRequestHandler):
    """The availability API and Save Page Now, as far as `archive` uses them."""

    closest: dict | None = None  # the availability API's "closest", or None for no capture
    statuses: list[dict] = []  # what /save/status/<job> answers, one per poll
    saved: list[dict] = []  # the forms posted to /save

    def _answer(self, data: dict, status: int = 200) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path)
        if path.path == "/wayback/available":
            query = parse_qs(path.query)
            snapshots = {"closest": self.closest} if self.closest else {}
            self._answer({"url": query["url"][0], "archived_snapshots": snapshots})
        elif path.path.startswith("/save/status/"):
            self._answer(self.statuses.pop(0) if self.statuses else {"status": "error", "message": "unknown job"})
        else:
            self._answer({}, 404)

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.saved.append({key: values[0] for key, values in form.items()})
        self._answer({"url": form["url"][0], "job_id": "spn2-job-1"})

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def wayback() -> Iterator[Wayback]:
    FakeWayback.closest, FakeWayback.statuses, FakeWayback.saved = None, [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeWayback)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield Wayback(PoliteClient(timeout=5, host_pause=0), f"{base}/wayback/available", f"{base}/save",
                  poll_seconds=0, poll_limit=1)
    server.shutdown()
    server.server_close()


def with_source(tmp_path: Path, text: str) -> Path:
    content = copy_good_tree(tmp_path)
    (content / "sources" / "report.yaml").write_text(text)
    return content


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines only in `before`, and only in `after`."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    return [line for line in old if line not in new], [line for line in new if line not in old]


def test_archive_records_a_new_capture_keeping_every_other_byte(wayback: Wayback, tmp_path: Path, capsys) -> None:
    content = with_source(tmp_path, COMMENTED_SOURCE)
    FakeWayback.statuses = [{"status": "pending"}, {"status": "success", "timestamp": "20261130101500",
                                                    "original_url": URL}]
    assert archive_command(content, 30, wayback) == 0
    after = (content / "sources" / "report.yaml").read_text()
    removed, added = changed_lines(COMMENTED_SOURCE, after)
    assert removed == []
    assert added == [f"archive_url: https://web.archive.org/web/20261130101500/{URL}\n", 'archive_date: "2026-11-30"\n']
    # In place: after date_accessed, every comment and the folded note as they were.
    assert after == COMMENTED_SOURCE.replace('date_accessed: "2026-01-01"\n', 'date_accessed: "2026-01-01"\n' + "".join(added))
    assert FakeWayback.saved == [{"url": URL, "if_not_archived_within": "30d"}]
    out = capsys.readouterr().out
    assert "content/sources/report.yaml: archive_url: recorded the new capture of 2026-11-30" in out
    assert archive_command(content, 30, wayback) == 0  # a recorded capture is kept: nothing asked, nothing written
    assert (content / "sources" / "report.yaml").read_text() == after and len(FakeWayback.saved) == 1


def test_archive_takes_a_recent_existing_capture_without_a_new_one(wayback: Wayback, tmp_path: Path, capsys) -> None:
    import datetime

    today = datetime.date.today().strftime("%Y%m%d")
    FakeWayback.closest = {"available": True, "status": "200", "timestamp": f"{today}080000",
                           "url": f"http://web.archive.org/web/{today}080000/{URL}"}
    content = with_source(tmp_path, COMMENTED_SOURCE)
    assert archive_command(content, 30, wayback) == 0
    assert FakeWayback.saved == []
    assert f"archive_url: https://web.archive.org/web/{today}080000/{URL}\n" in (content / "sources" / "report.yaml").read_text()


def test_archive_falls_back_on_an_old_capture_and_reports_a_failure(wayback: Wayback, tmp_path: Path, capsys) -> None:
    FakeWayback.closest = {"available": True, "status": "200", "timestamp": "20210611093000"}
    FakeWayback.statuses = [{"status": "error", "message": "the site refused the capture"}]
    content = with_source(tmp_path, COMMENTED_SOURCE)
    assert archive_command(content, 30, wayback) == 0
    out = capsys.readouterr().out
    assert "recorded the existing capture, as Save Page Now failed (Save Page Now could not capture it: the site " \
           "refused the capture) of 2021-06-11" in out

    FakeWayback.closest, FakeWayback.statuses = None, [{"status": "error", "message": "blocked"}]
    content = with_source(tmp_path / "again", COMMENTED_SOURCE)
    assert archive_command(content, 30, wayback) == 1
    assert (content / "sources" / "report.yaml").read_text() == COMMENTED_SOURCE  # nothing invented
    assert "report.yaml: archive_url: not recorded: Save Page Now could not capture it: blocked" in capsys.readouterr().err


def test_set_fields_replaces_a_field_in_place_and_proves_the_result() -> None:
    text = COMMENTED_SOURCE + 'archive_url: https://web.archive.org/web/20200101000000/https://example.org/report\n'
    edited = set_fields(text, {"archive_url": f"https://web.archive.org/web/20211111000000/{URL}"})
    assert changed_lines(text, edited)[1] == [f"archive_url: https://web.archive.org/web/20211111000000/{URL}\n"]
    assert len(edited.splitlines()) == len(text.splitlines())


def page(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(), "html.parser")


def archive_row(soup: BeautifulSoup, source_id: str):
    article = soup.select_one(f"#source-{source_id}")
    return next(dt.find_next_sibling("dd") for dt in article.select("dt") if dt.get_text() == "Archived copy")


def test_pages_show_the_recorded_copy_or_the_list_of_captures(tmp_path: Path) -> None:
    capture = f"https://web.archive.org/web/20210611093000/{URL}"
    content = copy_good_tree(tmp_path)  # its report records a capture, and the day it was checked
    source = content / "sources" / "report.yaml"
    out = tmp_path / "site"
    assert build_site(content, out, draft=True).ok
    sources = page(out, "sources")
    row = archive_row(sources, "report")
    link = row.find("a")
    assert link.get_text() == "Archived copy (11 June 2021)" and link["href"] == capture
    assert (link["data-originalurl"], link["data-versionurl"], link["data-versiondate"]) == (URL, capture, "2021-06-11")
    title = sources.select_one("#source-report dd a")
    assert title["href"] == URL and title["data-versionurl"] == capture  # live: the title stays the original
    assert "30 November 2026" in sources.select_one("#source-report").get_text()
    data = json.loads((out / "data" / "sources.json").read_text())
    report = next(s for s in data["sources"] if s["id"] == "report")
    assert (report["archive_url"], report["archive_date"], report["url_status"], report["checked"]) == \
        (capture, "2021-06-11", "live", "2026-11-30")

    # Dead: the archived copy becomes the link, for the title and for every passage read there.
    source.write_text(source.read_text() + "url_status: dead\n")
    assert build_site(content, out, draft=True).ok
    title = page(out, "sources").select_one("#source-report dd a")
    assert title["href"] == capture and title["data-originalurl"] == URL
    passages = [a["href"] for a in page(out, "stats/girls-share/sources").select("a.passage")]
    assert passages and all(href.startswith(capture + "#") for href in passages)


def test_shipped_sources_record_no_capture_and_link_to_the_list(tmp_path: Path) -> None:
    """Nothing could be captured honestly from here: each shipped source links to the list of captures."""
    out = tmp_path / "site"
    assert build_site(ROOT / "content", out, draft=True).ok
    sources = page(out, "sources")
    articles = sources.select("article.source")
    assert articles
    import yaml
    shipped = {path.stem: yaml.safe_load(path.read_text()) for path in (ROOT / "content" / "sources").glob("*.yaml")}
    assert not [sid for sid, data in shipped.items() if "archive_url" in data]
    for article in articles:
        data = shipped[article["id"].removeprefix("source-")]
        if not data.get("url"):  # kept offline: its notes say where, and there is nothing to archive
            assert "Archived copy" not in article.get_text()
            continue
        url = data["url"]
        link = archive_row(sources, data["id"]).find("a")
        assert link.get_text() == "Look for archived copies" and link["href"] == f"https://web.archive.org/web/*/{url}"
        assert not article.select("[data-versiondate]")  # no date that nobody recorded


def _local(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True  # a Unix socket path (bytes): not the network
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def test_the_build_asks_the_network_nothing(tmp_path: Path, monkeypatch) -> None:
    """A socket guard around the whole build: any connection that is not local fails the test."""
    attempts: list = []
    connect, create_connection = socket.socket.connect, socket.create_connection

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address):
            attempts.append(address)
            raise OSError(f"network blocked in this test: {address}")
        return connect(self, address)

    def guarded_create_connection(address, *args, **kwargs):
        if not _local(address):
            attempts.append(address)
            raise OSError(f"network blocked in this test: {address}")
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    with pytest.raises(OSError, match="network blocked"):  # the guard itself works
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    attempts.clear()
    content = copy_good_tree(tmp_path)  # its report records an archived copy, which the build never fetches
    assert build_site(content, tmp_path / "site", draft=True).ok
    assert attempts == []


def test_the_commands_are_on_the_command_line(tmp_path: Path) -> None:
    from .conftest import run_build

    content = copy_good_tree(tmp_path)  # every source with a url already records a capture: nothing to ask
    done = run_build("archive", "--content", str(content))
    assert done.returncode == 0 and "archive: 0 source(s) updated, 0 failed." in done.stdout
    (content / "sources" / "report.yaml").write_text("id: report\n")
    for command in ("links", "archive"):
        done = run_build(command, "--content", str(content))
        assert done.returncode == 1
        assert f"{command}: the content has errors (python3 build.py check lists them); nothing was done." in done.stderr
