"""A local static server for site/ that sends the same headers as netlify.toml (CSP included).

Like Netlify, it serves only files inside site/: a folder is served only through its index.html (no
listings), a path with an encoded slash or dot (`%2f`, `%2e`), a backslash or a `.`/`..` segment is
refused, and so is any file whose real path (symbolic links followed) is outside site/. The headers
are chosen from the path actually served, so `/embed/..%2fstats/x/` cannot borrow the embed pages'
`frame-ancestors *`.
"""

from __future__ import annotations

import fnmatch
import functools
import http.server
import os
import re
import threading
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlsplit


def netlify_headers(netlify_toml: Path) -> list[tuple[str, dict[str, str]]]:
    """The [[headers]] rules of netlify.toml: (path pattern, headers), in file order."""
    config = tomllib.loads(netlify_toml.read_text(encoding="utf-8"))
    return [(rule["for"], dict(rule.get("values", {}))) for rule in config.get("headers", [])]


def headers_for(path: str, rules: list[tuple[str, dict[str, str]]]) -> dict[str, str]:
    """Netlify applies every matching rule; later rules override earlier ones for the same header."""
    result: dict[str, str] = {}
    for pattern, values in rules:
        if fnmatch.fnmatchcase(path, pattern):
            result.update(values)
    return result


# Encoded slashes, dots and backslashes: the decoded path would differ from the one the headers match.
_AMBIGUOUS = re.compile(r"%2f|%2e|%5c|\\|%00", re.IGNORECASE)
REFUSED = "/404.html"  # what a refused request is answered with, and whose headers it gets


def site_path(request_path: str) -> str | None:
    """The path a request names inside the site, decoded; None if it is refused (see the module's docstring)."""
    raw = urlsplit(request_path).path
    if not raw.startswith("/") or _AMBIGUOUS.search(raw):
        return None
    decoded = unquote(raw)
    if any(segment in (".", "..") for segment in decoded.split("/")):
        return None
    return decoded


class _Handler(http.server.SimpleHTTPRequestHandler):
    rules: list[tuple[str, dict[str, str]]] = []

    def served_path(self) -> str:
        """The site path this response is for: the request's own, or /404.html when it is refused."""
        found = site_path(self.path)
        return REFUSED if found is None or self.site_file(found) is None and not self._is_folder(found) else found

    def site_headers(self) -> dict[str, str]:
        """The headers Netlify would add to this response (the dev server adjusts caching)."""
        return headers_for(self.served_path(), self.rules)

    def _is_folder(self, path: str) -> bool:
        """A folder without the trailing slash, which is redirected to it (as Netlify does)."""
        target = self.translate_path(path)
        return not path.endswith("/") and self._inside(target) and os.path.isfile(os.path.join(target, "index.html"))

    def _inside(self, target: str) -> bool:
        root = os.path.realpath(self.directory)
        real = os.path.realpath(target)
        return real == root or real.startswith(root + os.sep)

    def site_file(self, path: str) -> str | None:
        """The file served for this site path: inside site/ once links are followed, a folder only by its index.html."""
        target = self.translate_path(path)
        if path.endswith("/"):
            target = os.path.join(target, "index.html")
        if not os.path.isfile(target) or not self._inside(target):
            return None
        return target

    def send_head(self):
        path = site_path(self.path)
        if path is None or (self.site_file(path) is None and not self._is_folder(path)):
            self.send_error(404)
            return None
        return super().send_head()

    def list_directory(self, path):  # Netlify lists no folders
        self.send_error(404)
        return None

    def end_headers(self) -> None:
        for name, value in self.site_headers().items():
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code, message=None, explain=None):  # serve 404.html like Netlify
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format, *args):  # quiet
        pass


def start_server(site_dir: Path, netlify_toml: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """Serve `site_dir` on 127.0.0.1 in a background thread; returns the server (see .server_port)."""
    handler = type("Handler", (_Handler,), {"rules": netlify_headers(netlify_toml)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
