"""What link previews, share buttons and search engines read: share links and JSON-LD."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode


def share_links(url: str, text: str, title: str) -> list[tuple[str, str]]:
    """Plain links for the common networks and messengers: no third-party script, nothing sent until clicked."""
    return [
        ("Email", "mailto:?" + urlencode({"subject": title, "body": f"{text}\n\n{url}"}, quote_via=quote)),
        ("WhatsApp", "https://wa.me/?" + urlencode({"text": f"{text} {url}"}, quote_via=quote)),
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}, quote_via=quote)),
        ("X", "https://x.com/intent/post?" + urlencode({"text": text, "url": url}, quote_via=quote)),
        ("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": f"{text} {url}"}, quote_via=quote)),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}, quote_via=quote)),
        ("Telegram", "https://t.me/share/url?" + urlencode({"url": url, "text": text}, quote_via=quote)),
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
