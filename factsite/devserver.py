"""`python3 build.py serve`: build, serve the site on 127.0.0.1, rebuild on change, reload the page.

The rebuild loop watches content/, templates/, static/ and locale/ (inotify on Linux, else polling; no
file-watching dependency: watch.py) and runs the ordinary build in this process, with the last
build's dependency record, content cache and models kept in memory (only what a change affects is
read, checked again and rendered; pipeline.Memory), keeping one headless Chromium open between builds
so that a changed chart costs its drawing, not a browser start. What a rebuild need not do at once
(writing the dependency record and the content cache, one full garbage collection) waits until nothing
changes (`tidy`).
Pages are served with the same headers as on Netlify
(factsite/publish/serve.py), plus, in HTML responses only, a small script (factsite/dev/live.js)
that listens on a Server-Sent Events endpoint: after a good rebuild it reloads the page; after a
failed one it shows the problems panel over the page, which stays as the last good build left it.
The problems are the build's own result (`BuildResult.lines()`), and the panel is made here only
(`problems_panel`): sent inside a page requested after the failure, and in each status event, for
live.js to put into a page already open. Nothing of this reaches the built site: the script and
the panel are added as pages are sent.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import http.server
import json
import os
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from .publish.serve import _Handler, netlify_headers, site_path
from .watch import POLL_SECONDS, NoInotify, Polling, Snapshot, Watcher, in_snapshot, snapshot, watcher

if TYPE_CHECKING:  # build() imports the build's code when it first runs
    from .pipeline import BuildResult, Inputs

DEV_PREFIX = "/__factsite/"
EVENTS_URL = DEV_PREFIX + "events"
SCRIPT_URL = DEV_PREFIX + "live.js"
LIVE_JS = Path(__file__).resolve().parent / "dev" / "live.js"
KEEPALIVE_SECONDS = 15


PANEL_ID = "factsite-dev-problems"
PANEL_STYLE = ("position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;margin:0;"
               "padding:1rem 1.25rem;background:#fff4f4;color:#1a1a1a;border-top:4px solid #b00020;"
               "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 -2px 12px rgba(0,0,0,.2)")
HEADING_STYLE = "margin:0 0 .5rem;font:bold 16px system-ui,sans-serif;color:#b00020"


def problems_panel(problems: list[str]) -> str:
    """The panel that lists a failed build's problems over the page (escaped: messages quote the content)."""
    items = "".join(f"<li>{escape(problem)}</li>" for problem in problems)
    return (f'<section id="{PANEL_ID}" role="alert" aria-label="Build problems" style="{PANEL_STYLE}">'
            f'<h2 style="{HEADING_STYLE}">The last build failed: this page is from the last good build. '
            f'Fix these and save:</h2><ul style="margin:0;padding-left:1.25rem">{items}</ul></section>')


@dataclass
class BuildStatus:
    """The last build's outcome, shared by the rebuild loop and the request threads."""

    build: int = 0  # counts finished builds; a page remembers the one it came from
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    stopping: bool = False

    def publish(self, ok: bool, problems: list[str]) -> None:
        with self.changed:
            self.build += 1
            self.ok, self.problems = ok, problems
            self.changed.notify_all()

    def as_json(self) -> str:
        panel = "" if self.ok else problems_panel(self.problems)
        return json.dumps({"build": self.build, "ok": self.ok, "panel": panel})

    def stop(self) -> None:
        with self.changed:
            self.stopping = True
            self.changed.notify_all()


def describe_change(before: Snapshot, after: Snapshot, folders: list[Path]) -> str:
    """'content/stats/x.yaml, templates/stat.html and 2 more': paths as an author knows them."""
    return describe_paths(sorted(set(before) ^ set(after) | {p for p in before.keys() & after.keys() if before[p] != after[p]}),
                          folders)


def describe_paths(changed: list[str], folders: list[Path]) -> str:
    """The changed paths as describe_change names them (inotify's are absolute, a folder may be relative)."""

    def shown_path(path: str) -> str:
        for folder in folders:
            for root in (folder, Path(os.path.abspath(folder))):
                if Path(path).is_relative_to(root):
                    return Path(path).relative_to(root.parent).as_posix()
        return path

    shown = [shown_path(p) for p in changed[:3]]
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return ", ".join(shown) + more


class DevServer:
    def __init__(self, content_dir: Path, out_dir: Path, repo_root: Path, port: int = 8000, draft: bool = False,
                 cache_dir: Path | None = None, inputs: Inputs | None = None):
        """`inputs`: the template, static and catalogue folders built from and watched (tests edit
        copies); by default the repository's."""
        self.content_dir, self.out_dir, self.repo_root = content_dir, out_dir, repo_root
        self.draft, self.cache_dir, self.inputs = draft, cache_dir, inputs
        self.watched = (list(inputs.folders(content_dir).values()) if inputs is not None else
                        [content_dir, repo_root / "templates", repo_root / "static", repo_root / "locale"])
        self.result: BuildResult | None = None  # the last build's, None if it stopped with an error
        self.memory: Any = None  # the last build's dependency record, kept between rebuilds (pipeline.Memory)
        self.status = BuildStatus()
        self.headless = None
        # Watching from before the first build's scan on: a build after it looks again only at the files
        # inotify saw change (build_site's `changed`; polling cannot say, and every folder is walked).
        self._watcher: Watcher | None = None
        self._unbuilt: set[str] | None = None  # what it saw change since the scan of the kept record (None: not known)
        self._serving = False
        self._untidy = False  # a build has run since the last tidy()
        handler = type("DevHandler", (_DevHandler,), {
            "rules": netlify_headers(repo_root / "netlify.toml"), "status": self.status, "site_dir": out_dir})
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(out_dir)))
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"

    def build(self) -> bool:
        """One build, in this process; its problems go to the terminal and to open pages."""
        from .pipeline import Memory, build_site

        if self.headless is None and not self.draft:
            from .images.headless import Headless

            self.headless = Headless()
        self.memory = self.memory or Memory()
        self._note(self._watching(threading.Event()).take_changed())
        kept = self.memory.record
        try:
            result = build_site(self.content_dir, self.out_dir, draft=self.draft, cache_dir=self.cache_dir,
                                headless=self.headless, inputs=self.inputs, memory=self.memory, changed=self._unbuilt)
        except Exception:  # a crash in the build is shown like a content problem; the server stays up
            text = traceback.format_exc()
            print(text, file=sys.stderr)
            self.result = None
            self._close_browser()  # it may be the browser that broke: start a fresh one next time
            self.status.publish(False, ["The build stopped with an error (details in the terminal):"]
                                + text.strip().splitlines()[-3:])
            return False
        if result.ok or self.memory.record is not kept:  # its record's scan came after the watcher was asked
            self._unbuilt = set()
        self.result = result
        result.report()  # in the terminal, as build.py prints it
        self.status.publish(result.ok, [] if result.ok else result.lines())
        # The plan was freed as the build returned (SiteModel.release); what is left in cycles (the
        # Jinja environments, a few thousand objects) is collected after the page shows the result.
        # What the build froze (the content, and what `memory` keeps of it) is not walked: see tidy().
        gc.collect()
        self._untidy = True
        return result.ok

    def tidy(self) -> None:
        """Once after each build, when nothing changes: the dependency record and the content cache
        written, and one full collection of what the builds froze (at 10,000 bilingual statistics,
        0.6 s that no rebuild waits for), then all that lives on frozen again, out of the collections
        a rebuild makes."""
        if not self._untidy:
            return
        self._untidy = False
        if self.memory is not None:
            self.memory.save_record()
            self.memory.save_content()
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def _note(self, taken: set[str] | None) -> None:
        """What the watcher saw change (None: not known), added to what changed since the kept record's scan."""
        self._unbuilt = None if taken is None or self._unbuilt is None else self._unbuilt | taken

    def _watching(self, stop: threading.Event) -> Watcher:
        """The watcher, started when first asked for (`stop` ends a polling one's waits)."""
        if self._watcher is None:
            self._watcher = watcher(self.watched, stop, visible_only=(self.content_dir,))
        return self._watcher

    def _close_browser(self) -> None:
        if self.headless is not None:
            with contextlib.suppress(Exception):
                self.headless.__exit__(None, None, None)
            self.headless = None

    def watch(self, stop: threading.Event | None = None) -> None:
        """Rebuild whenever a watched file changes, until `stop` is set (or Ctrl-C)."""
        stop = stop or threading.Event()
        seen = snapshot(self.watched)
        changes = self._watching(stop)
        try:
            while not stop.is_set():
                try:
                    if not changes.wait(POLL_SECONDS):
                        self.tidy()
                        continue
                    changes.settle()  # let a save that writes several files finish
                except NoInotify:  # a folder that cannot be watched (too many watches): look instead
                    changes.close()
                    changes = self._watcher = Polling(self.watched, stop)  # it sees what changes from now on; what
                    changes.settle()  # changed before is in the comparison below
                taken = changes.take_changed()
                self._note(taken)
                if taken is not None:  # inotify said which files: no look at every file (0.1 s at 21,000)
                    shown = in_snapshot(taken, self.watched)
                    if not shown:  # a hidden file or a backup
                        continue
                    what = describe_paths(shown, self.watched)
                else:
                    now = snapshot(self.watched)
                    if now == seen:  # a hidden file, a backup, or nothing an input shows
                        continue
                    what, seen = describe_change(seen, now, self.watched), now
                print(f"serve: {what} changed; rebuilding", file=sys.stderr, flush=True)
                self.build()
                print(f"serve: {'ready' if self.status.ok else 'the page shows the problems'} at {self.url}", flush=True)
        finally:
            changes.close()
            self._watcher, self._unbuilt = None, None  # what changes from now on is not seen

    def run(self) -> int:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self._serving = True
        signal.signal(signal.SIGTERM, _stop)  # `kill` stops it as cleanly as Ctrl-C: the browser is closed
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started with & from a script
            signal.signal(signal.SIGINT, _stop)
        try:
            self.build()
            print(f"serve: {self.url}  (rebuilds when content/, templates/, static/ or locale/ change; Ctrl-C stops)", flush=True)
            self.watch()
        except KeyboardInterrupt:
            print("\nserve: stopped", flush=True)
        finally:
            self.close()
        return 0

    def close(self) -> None:
        if self.memory is not None:
            self.memory.save_record()
            self.memory.save_content()
        gc.unfreeze()
        self.status.stop()
        if self._serving:  # shutdown() waits for serve_forever(), forever if it never ran
            self.server.shutdown()
        self.server.server_close()
        self._close_browser()
        if self._watcher is not None:
            self._watcher.close()
            self._watcher, self._unbuilt = None, None


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


class _DevHandler(_Handler):
    status: BuildStatus
    site_dir: Path

    def site_headers(self) -> dict[str, str]:
        headers = super().site_headers()
        if not self.served_path().startswith("/assets/"):  # always ask again: the page may have been rebuilt
            headers["Cache-Control"] = "no-cache"
        return headers

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == EVENTS_URL:
            return self._events()
        if path == SCRIPT_URL:
            return self._send(200, LIVE_JS.read_bytes(), "text/javascript; charset=utf-8")
        if path.startswith(DEV_PREFIX):
            return self._send(404, b"not found", "text/plain; charset=utf-8")
        html = self._html_file(path)
        if html is not None:
            return self._send(200, self._inject(html.read_bytes()), "text/html; charset=utf-8")
        if not self.status.ok and (path.endswith("/") or path.endswith(".html")):
            # No page to show yet (the first build failed): a blank one that lists the problems.
            page = b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Build failed</title></head><body></body></html>"
            return self._send(503, self._inject(page), "text/html; charset=utf-8")
        return super().do_GET()

    def _html_file(self, path: str) -> Path | None:
        """The page to serve with the live-reload script: only a file inside site/ (as serve.py checks)."""
        inside = site_path(path)
        found = self.site_file(inside) if inside is not None else None
        if found is not None and found.endswith(".html"):
            return Path(found)
        return None

    def _inject(self, html: bytes) -> bytes:
        """The live-reload script before </head>; after a failed build, the problems after <body>."""
        with self.status.changed:
            build, ok, problems = self.status.build, self.status.ok, list(self.status.problems)
        text = html.decode("utf-8")
        script = f'<script src="{SCRIPT_URL}" data-build="{build}" defer></script>\n'
        text = text.replace("</head>", script + "</head>", 1) if "</head>" in text else script + text
        if not ok:
            at = text.find(">", text.find("<body")) + 1 if "<body" in text else 0
            text = text[:at] + problems_panel(problems) + text[at:]
        return text.encode("utf-8")

    def _send(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-Sent Events: the build status now, then after every build; a comment keeps it open."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        status, seen = self.status, -1
        try:
            while True:
                with status.changed:  # wait under the lock, write outside it: a slow page never holds up a build
                    if status.build == seen and not status.stopping:
                        status.changed.wait(KEEPALIVE_SECONDS)
                    if status.stopping:
                        return
                    if status.build != seen:
                        seen = status.build
                        message = f"event: status\ndata: {status.as_json()}\n\n"
                    else:
                        message = ": still here\n\n"
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or reloaded


def serve(content_dir: Path, out_dir: Path, repo_root: Path, port: int, draft: bool = False) -> int:
    try:
        server = DevServer(content_dir, out_dir, repo_root, port=port, draft=draft)
    except OSError as error:
        print(f"serve: cannot listen on 127.0.0.1:{port} ({error.strerror}): is another server running? "
              "Try another port: python3 build.py serve --port 8001", file=sys.stderr)
        return 1
    return server.run()
