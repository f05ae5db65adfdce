"""`build.py links` end to end, offline: a local http.server plays the source's site as it changes."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from factsite.links import PoliteClient, page_text, run_links
from factsite.content.figures import comparable_text

from .conftest import copy_good_tree

QUOTE_PAGE = "<html><body><script>var x = 'no';</script><p>The report found 1,499 cases in 2019, " \
             "<b>and more</b>.</p><p>There were 1,800 cases in 2020.</p></body></html>"


class FakeSite(http.server.BaseHTTPRequestHandler):
    """Answers each path with what the test set in `routes`: (status, headers, body)."""

    routes: dict[str, tuple[int, dict[str, str], str]] = {}
    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("User-Agent", "")))
        status, headers, body = self.routes.get(self.path, (404, {}, "not here"))
        self.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_site() -> Iterator[str]:
    FakeSite.routes, FakeSite.seen = {}, []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def content_citing(tmp_path: Path, url: str, extra: str = "") -> Path:
    """The good fixture with its report at `url` (a local http address, so http_only is set)."""
    content = copy_good_tree(tmp_path)
    report = content / "sources" / "report.yaml"
    kept = [line for line in report.read_text().splitlines(keepends=True) if not line.startswith(("archive_", "checked"))]
    text = "".join(kept).replace("url: https://example.org/report", f"url: {url}\nhttp_only: true")
    report.write_text(text + extra)
    return content


def run(content: Path, cache: Path, capsys) -> tuple[int, list[str]]:
    status = run_links(content, cache, max_age_hours=0, client=PoliteClient(timeout=5, host_pause=0))
    return status, capsys.readouterr().out.splitlines()


def quotes_of_report(content: Path) -> list[str]:
    import yaml
    quotes = []
    for path in sorted((content / "stats").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        quotes += [c["quote"] for c in data.get("citations", []) if (c.get("via") or c["source"]) == "report"]
    return quotes


def test_quote_on_page_then_gone_then_dead_then_moved(fake_site: str, tmp_path: Path, capsys) -> None:
    url = f"{fake_site}/report"
    content = content_citing(tmp_path, url)
    cache = tmp_path / "cache"
    quotes = quotes_of_report(content)
    assert quotes, "the fixture cites the report"
    page = "<html><body>" + "".join(f"<p>{q}</p>" for q in quotes) + "</body></html>"

    FakeSite.routes = {"/report": (200, {}, page)}
    status, out = run(content, cache, capsys)
    assert status == 0
    assert not [line for line in out if "warning" in line], out
    assert FakeSite.seen and "factsite-links" in FakeSite.seen[0][1]  # a user agent that says who asks

    FakeSite.routes = {"/report": (200, {}, "<html><body><p>Nothing of the kind.</p></body></html>")}
    status, out = run(content, cache, capsys)
    assert status == 0  # drift is reported, not fatal
    drift = [line for line in out if "quote no longer found on the page" in line]
    assert len(drift) == len(quotes)
    assert all(line.startswith("content/stats/") and ".quote: " in line and "(first seen today)" in line for line in drift)
    first_seen = json.loads((cache / "problems.json").read_text())
    assert len(first_seen) == len(quotes)

    # The day a problem was first seen is kept: a later run reports that day, not its own.
    first_seen = {key: "2026-01-02" for key in first_seen}
    (cache / "problems.json").write_text(json.dumps(first_seen))
    status, out = run(content, cache, capsys)
    assert all("(first seen 2026-01-02)" in line for line in out if "quote no longer found" in line)

    FakeSite.routes = {}  # 404
    status, out = run(content, cache, capsys)
    assert status == 1  # dead, and no archived copy: readers have no way to the passage
    line = next(line for line in out if "dead link" in line)
    assert line.startswith("content/sources/report.yaml:7: url: dead link (HTTP 404) and no archived copy")

    FakeSite.routes = {"/report": (301, {"Location": f"http://localhost:{fake_site.rsplit(':', 1)[1]}/elsewhere"}, ""),
                       "/elsewhere": (200, {}, page)}
    status, out = run(content, cache, capsys)
    assert status == 0
    assert any(line.startswith("content/sources/report.yaml:7: warning: url: redirects to another host, http://localhost")
               for line in out), out
    # Problems that went away are forgotten: a quote found again has no first-seen day left.
    assert not [key for key in json.loads((cache / "problems.json").read_text()) if "|drift|" in key]


def test_a_dead_source_with_an_archived_copy_is_read_there(fake_site: str, tmp_path: Path, capsys, monkeypatch) -> None:
    url = f"{fake_site}/report"
    capture = f"{fake_site}/web/20210611093000/{url}"
    content = content_citing(tmp_path, url)
    quotes = quotes_of_report(content)
    # The live page is gone; the checker reads the archived copy through the same client.
    FakeSite.routes = {f"/web/20210611093000/{url}": (200, {}, "<p>" + " ".join(q for q in quotes if q != quotes[0]) + "</p>")}
    from factsite import links

    seen: list[str] = []
    original = links.PoliteClient.fetch

    def fetch(self, address: str):
        seen.append(address)
        return original(self, capture if address.startswith("https://web.archive.org/") else address)

    report = content / "sources" / "report.yaml"
    report.write_text(report.read_text() + f"archive_url: https://web.archive.org/web/20210611093000/{url}\n"
                      "archive_date: \"2021-06-11\"\nurl_status: dead\n")
    monkeypatch.setattr(links.PoliteClient, "fetch", fetch)
    status, out = run(content, tmp_path / "cache", capsys)
    assert status == 0
    assert url not in seen  # a page recorded dead is not asked for again
    missing = [line for line in out if "in the archived copy" in line]
    assert len(missing) == quotes.count(quotes[0]) and all("that capture does not hold the quote" in m for m in missing)


def test_page_text_reads_what_a_reader_sees() -> None:
    text = page_text(QUOTE_PAGE.encode(), "text/html; charset=utf-8")
    assert "var x" not in text
    assert comparable_text("found 1,499 cases in 2019, and more.") in text
    assert comparable_text("The report found \u201c1,499\u201d") not in text
    assert comparable_text("it\u2019s") == comparable_text("IT'S")


def test_a_host_that_refuses_connections_is_dead(tmp_path: Path, capsys) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    content = content_citing(tmp_path, f"http://127.0.0.1:{port}/report")
    status, out = run(content, tmp_path / "cache", capsys)
    assert status == 1
    assert any(line.startswith("content/sources/report.yaml:7: url: dead link (") and "no archived copy" in line
               for line in out), out


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF whose page says `text` (Helvetica), with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 20 20 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 100] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_source_is_read_as_text() -> None:
    text = page_text(tiny_pdf("Cases rose 11 percent."), "application/pdf")
    assert comparable_text("Cases rose 11 percent.") in text
    assert page_text(b"%PDF-1.4 not really", "application/pdf") == ""
