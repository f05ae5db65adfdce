"""`python3 build.py archive`: record a dated Wayback Machine capture of every source that has none.

For each source with a url and no archive_url it asks the availability API for the closest capture;
one made within `--within` days is recorded as it is. Otherwise it asks Save Page Now for a new
capture and waits for its timestamp; if that fails, the closest existing capture (of any age) is
recorded instead, and said so. A dead source is only looked up: a page that is gone cannot be
captured again. The capture's own timestamp gives archive_date: no date is ever made up.

The two fields are written into the source's YAML by editing its lines: every other byte of the file,
comments and layout included, stays as it was, and the edited file is read back to prove it says
exactly what was meant. The endpoints can be moved (FACTSITE_WAYBACK_AVAILABLE, FACTSITE_SAVE_PAGE_NOW)
so that the tests talk to a local fake. Save Page Now accepts more captures with an archive.org key
(WAYBACK_ACCESS_KEY and WAYBACK_SECRET_KEY, sent as `Authorization: LOW key:secret`).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import yaml

from .content.model import Source
from .links import PoliteClient, now, valid_content

AVAILABLE_URL = "https://archive.org/wayback/available"
SAVE_PAGE_NOW_URL = "https://web.archive.org/save"
CAPTURE_URL = "https://web.archive.org/web/{stamp}/{url}"  # what the site links to, whichever endpoint answered
RECENT_DAYS = 30
POLL_SECONDS = 5.0
POLL_LIMIT = 180.0  # seconds to wait for one capture; Save Page Now usually takes under a minute
STAMP_RE = re.compile(r"^\d{14}$")


class ArchiveError(Exception):
    pass


@dataclass(frozen=True)
class Capture:
    stamp: str  # YYYYMMDDhhmmss, as the archive gives it
    how: str  # "existing capture" or "new capture", for the report

    @property
    def day(self) -> str:
        return f"{self.stamp[:4]}-{self.stamp[4:6]}-{self.stamp[6:8]}"

    def url_of(self, url: str) -> str:
        return CAPTURE_URL.format(stamp=self.stamp, url=url)


class Wayback:
    """The availability API and Save Page Now, through one polite client."""

    def __init__(self, client: PoliteClient, available_url: str | None = None, save_url: str | None = None,
                 poll_seconds: float = POLL_SECONDS, poll_limit: float = POLL_LIMIT):
        self.client = client
        self.available_url = available_url or os.environ.get("FACTSITE_WAYBACK_AVAILABLE", AVAILABLE_URL)
        self.save_url = (save_url or os.environ.get("FACTSITE_SAVE_PAGE_NOW", SAVE_PAGE_NOW_URL)).rstrip("/")
        self.poll_seconds, self.poll_limit = poll_seconds, poll_limit

    def _json(self, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> dict:
        status, _, body = self.client.request(url, data, {"Accept": "application/json", **(headers or {})})
        if status != 200:
            raise ArchiveError(f"{url.split('?')[0]} answered HTTP {status}")
        try:
            answer = json.loads(body)
        except ValueError:
            raise ArchiveError(f"{url.split('?')[0]} did not answer in JSON") from None
        if not isinstance(answer, dict):
            raise ArchiveError(f"{url.split('?')[0]} gave an unexpected answer")
        return answer

    def closest(self, url: str, near: datetime.date) -> Capture | None:
        """The capture of `url` closest to `near` that showed the page (HTTP 200), if any."""
        answer = self._json(f"{self.available_url}?{urlencode({'url': url, 'timestamp': near.strftime('%Y%m%d')})}")
        closest = (answer.get("archived_snapshots") or {}).get("closest") or {}
        stamp = str(closest.get("timestamp", ""))
        if closest.get("available") and str(closest.get("status")) == "200" and STAMP_RE.match(stamp):
            return Capture(stamp, "existing capture")
        return None

    def save(self, url: str, within_days: int) -> Capture:
        """A new capture by Save Page Now (or its own recent one, `if_not_archived_within`)."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        key, secret = os.environ.get("WAYBACK_ACCESS_KEY"), os.environ.get("WAYBACK_SECRET_KEY")
        if key and secret:
            headers["Authorization"] = f"LOW {key}:{secret}"
        form = urlencode({"url": url, "if_not_archived_within": f"{within_days}d"}).encode()
        job = self._json(self.save_url, form, headers)
        if not job.get("job_id"):
            raise ArchiveError(f"Save Page Now refused: {job.get('message') or job.get('status_ext') or 'no job id'}")
        waited = 0.0
        while True:
            status = self._json(f"{self.save_url}/status/{job['job_id']}")
            if status.get("status") == "success" and STAMP_RE.match(str(status.get("timestamp", ""))):
                return Capture(str(status["timestamp"]), "new capture")
            if status.get("status") != "pending":
                raise ArchiveError(f"Save Page Now could not capture it: {status.get('message') or status.get('status_ext')}")
            if waited >= self.poll_limit:
                raise ArchiveError(f"Save Page Now had not finished after {self.poll_limit:.0f} s: run archive again later")
            time.sleep(self.poll_seconds)
            waited += self.poll_seconds


def find_capture(source: Source, wayback: Wayback, within_days: int, today: datetime.date) -> Capture:
    """The capture to record for `source`: a recent one, a new one, or else the closest there is."""
    assert source.url is not None
    if source.url_status == "dead":  # nothing left to capture: the copy closest to when it was read
        read = datetime.date.fromisoformat(source.date_accessed) if source.date_accessed and len(source.date_accessed) == 10 else today
        found = wayback.closest(source.url, read)
        if found is None:
            raise ArchiveError("the page is dead and the archive holds no capture of it")
        return found
    found = wayback.closest(source.url, today)
    if found and today - datetime.date.fromisoformat(found.day) <= datetime.timedelta(days=within_days):
        return found
    try:
        return wayback.save(source.url, within_days)
    except (ArchiveError, OSError) as error:
        if found is None:
            raise ArchiveError(str(error)) from None
        return Capture(found.stamp, f"existing capture, as Save Page Now failed ({error})")


# --- Writing the two fields into the YAML, line by line ----------------------------------------------

# Where a missing field goes: after the first of these that the file has, else at the end.
PLACE_AFTER = {"archive_url": ("date_accessed", "url"), "archive_date": ("archive_url",)}


def _top_level_spans(text: str) -> dict[str, tuple[int, int]]:
    """Each top-level key -> (its first line, the line after its value), 0-based."""
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise ArchiveError("the file is not a mapping of fields")
    spans = {}
    for key, value in root.value:
        end = value.end_mark.line if value.end_mark.column == 0 else value.end_mark.line + 1
        spans[str(key.value)] = (key.start_mark.line, end)
    return spans


def _scalar(name: str, value: str) -> str:
    """The value as this project writes it: dates in double quotes, an address bare when YAML allows."""
    if name != "archive_date" and yaml.safe_load(f"{name}: {value}") == {name: value}:
        return value
    return json.dumps(value)


def set_fields(text: str, changes: dict[str, str]) -> str:
    """`text` with each top-level field in `changes` set, every other line kept byte for byte."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for name, value in changes.items():
        spans = _top_level_spans("".join(lines))
        line = f"{name}: {_scalar(name, value)}\n"
        if name in spans:
            start, end = spans[name]
            lines[start:end] = [line]
            continue
        anchor = next((spans[other][1] for other in PLACE_AFTER.get(name, ()) if other in spans), len(lines))
        lines.insert(anchor, line)
    edited = "".join(lines)
    before, after = yaml.safe_load(text), yaml.safe_load(edited)
    if after != {**before, **changes}:  # the edit must say exactly what was meant, nothing else
        raise ArchiveError("the edited file would not read back as intended; edit it by hand")
    return edited


def run_archive(sources: dict[str, tuple[Path, Source]], wayback: Wayback, within_days: int = RECENT_DAYS,
                shown=lambda path: str(path)) -> int:
    """The `archive` command over {id: (file, source)}: print each change; status 1 if any source failed."""
    today = now().date()
    failed = changed = 0
    for source_id, (path, source) in sorted(sources.items()):
        if source.url is None or source.archive_url is not None:
            continue
        try:
            capture = find_capture(source, wayback, within_days, today)
            text = path.read_bytes().decode("utf-8")  # bytes: no newline is translated on the way
            edited = set_fields(text, {"archive_url": capture.url_of(source.url), "archive_date": capture.day})
        except (ArchiveError, OSError, yaml.YAMLError) as error:
            failed += 1
            print(f"{shown(path)}: archive_url: not recorded: {error}", file=sys.stderr)
            continue
        path.write_bytes(edited.encode("utf-8"))
        changed += 1
        print(f"{shown(path)}: archive_url: recorded the {capture.how} of {capture.day}: {capture.url_of(source.url)}")
    print(f"archive: {changed} source(s) updated, {failed} failed.")
    return 1 if failed else 0


def archive_command(content_dir: Path, within_days: int = RECENT_DAYS, wayback: Wayback | None = None) -> int:
    """`python3 build.py archive`: the content must be valid first; then every source without a capture."""
    content = valid_content(content_dir, "archive")
    if content is None:
        return 1
    sources = {sid: (content.origin[f"source:{sid}"].path, source) for sid, source in content.sources.items()}
    shown = {content.origin[f"source:{sid}"].path: content.origin[f"source:{sid}"].shown_path for sid in content.sources}
    return run_archive(sources, wayback or Wayback(PoliteClient()), within_days, shown=lambda path: shown[path])
