"""Where a source can still be read: its link, its archived copy, and the Robust Links attributes.

A source with a recorded capture shows "Archived copy (date)"; one without shows the archive's list
of captures of its url, worded as a search, since no capture (and so no date) is known. A dead
source's archived copy becomes its main link. The dates come only from the content: the build never
asks the archive anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..content.model import Source

WAYBACK = "https://web.archive.org/web"


def captures_list_url(url: str) -> str:
    """The Wayback Machine's list of every capture of `url`: where to look when none is recorded."""
    return f"{WAYBACK}/*/{url}"


@dataclass(frozen=True)
class ArchiveLink:
    original_url: str
    main_url: str  # where the source's title links: the archived copy once the page is dead
    status: str  # live, dead or moved
    version_url: str | None = None  # the recorded capture
    version_date: str | None = None  # its day, YYYY-MM-DD (the Robust Links data-versiondate)
    version_date_text: str | None = None  # the same day as the page prints it
    captures_url: str | None = None  # the list of captures, when none is recorded
    checked_text: str | None = None  # when the link and quotes were last confirmed, as printed


def archive_link(source: Source, readable_date: Callable[[str], str]) -> ArchiveLink | None:
    """The archive links of a source with a url; None for one kept offline (its notes say where)."""
    if source.url is None:
        return None
    checked = readable_date(source.checked) if source.checked else None
    if source.archive_url is None:
        return ArchiveLink(source.url, source.url, source.url_status, captures_url=captures_list_url(source.url),
                           checked_text=checked)
    main = source.archive_url if source.url_status == "dead" else source.url
    return ArchiveLink(source.url, main, source.url_status, source.archive_url, source.archive_date,
                       readable_date(source.archive_date), checked_text=checked)
