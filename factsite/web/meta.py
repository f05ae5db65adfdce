"""What link previews, share buttons and search engines read: share links and JSON-LD."""

from __future__ import annotations

import json

from .catalogues import N_


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
# Each UTF-8 byte (read as the Latin-1 character of that number) to itself or to its %XX escape.
_PERCENT = {byte: chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in range(256)}


def percent_encoded(text: str) -> str:
    """quote(text, safe=""): every byte of its UTF-8 but the unreserved ones as %XX. One str.translate
    instead of quote's loop in Python over the bytes: share links were a third of a statistic page's context."""
    return text.encode("utf-8").decode("latin-1").translate(_PERCENT)


def share_links(url: str, text: str, title: str) -> list[tuple[str, str]]:
    """Plain links for the common networks and messengers: no third-party script, nothing sent until clicked."""
    # Each piece is percent-encoded once and reused (urlencode per link was a third of the page models' time).
    u, t = percent_encoded(url), percent_encoded(text)
    text_and_url, body = percent_encoded(f"{text} {url}"), percent_encoded(f"{text}\n\n{url}")
    return [
        (N_("Email"), f"mailto:?subject={percent_encoded(title)}&body={body}"),
        ("WhatsApp", f"https://wa.me/?text={text_and_url}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("X", f"https://x.com/intent/post?text={t}&url={u}"),
        ("Bluesky", f"https://bsky.app/intent/compose?text={text_and_url}"),
        ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        ("Telegram", f"https://t.me/share/url?url={u}&text={t}"),
    ]


def json_ld(data: dict) -> str:
    """JSON-LD for a <script type="application/ld+json"> block; '<' escaped so it cannot end the tag."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False).replace("<", "\\u003c")


def creative_work(name: str, url: str | None, publisher: str, date: str) -> dict:
    work = {"@type": "CreativeWork", "name": name, "publisher": {"@type": "Organization", "name": publisher},
            "datePublished": date}
    if url:
        work["url"] = url
    return work
