"""Provenance: who a figure is credited to, and where each passage was read, for every output.

A figure read only in coverage is credited as "<the report>, as reported by <the outlet>", never as
the report alone. Cards, printed sheets, embed pages, citations and the open data all take their
wording from here, so none of them can drop the outlet a figure was read in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..content.model import Source, Statistic
from .catalogues import N_


@dataclass(frozen=True)
class Credit:
    """One citation's chain: the source it names, and the coverage its passage was read in (if any)."""

    source: Source
    via: Source | None

    @property
    def read_in(self) -> Source:
        """The source whose page holds the quoted words."""
        return self.via or self.source

    @property
    def key(self) -> tuple[str, str | None]:
        return self.source.id, self.via.id if self.via else None

    def text(self, gettext: Callable[[str], str] = N_) -> str:
        """'Human Trafficking Institute, 2020 Federal Human Trafficking Report, as reported by India Today, 11 June 2021'."""
        if self.via is None:
            return self.source.short_name
        return gettext(N_("%(source)s, as reported by %(via)s")) % {"source": self.source.short_name, "via": self.via.short_name}


@dataclass(frozen=True)
class Provenance:
    """A figure's credits, in the order of its citations, each chain once."""

    credits: tuple[Credit, ...]

    def line(self, gettext: Callable[[str], str] = N_) -> str:
        """Every credit, for a chart's CSV: 'A; B, as reported by C' (in the language of `gettext`)."""
        return "; ".join(credit.text(gettext) for credit in self.credits)


def provenance(stat: Statistic, sources: dict[str, Source]) -> Provenance:
    chains = {(c.source, c.via): Credit(sources[c.source], sources[c.via] if c.via else None) for c in stat.citations}
    return Provenance(tuple(chains.values()))


def sources_line(provenances: list[Provenance], most: int = 2, gettext: Callable[[str], str] = N_) -> str:
    """The credits behind a set of figures, most used first; at most `most` named, so it fits a card."""
    counts: dict[str, int] = {}
    for item in provenances:
        for credit in item.credits:
            text = credit.text(gettext)
            counts[text] = counts.get(text, 0) + 1
    names = sorted(counts, key=lambda name: -counts[name])  # stable: ties keep their first appearance
    if len(names) <= most:
        return "; ".join(names)
    return gettext(N_("%(names)s; and %(count)d more")) % {"names": "; ".join(names[:most]), "count": len(names) - most}
