"""A local static server for site/ that sends the same headers as netlify.toml (CSP included)."""

from __future__ import annotations

import fnmatch
import functools
import http.server
import threading
import tomllib
from pathlib import Path


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


class _Handler(http.server.SimpleHTTPRequestHandler):
    rules: list[tuple[str, dict[str, str]]] = []

    def site_headers(self) -> dict[str, str]:
        """The headers Netlify would add to this response (the dev server adjusts caching)."""
        return headers_for(self.path.split("?")[0], self.rules)

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
