"""What the open data publishes of a statistic, declared once: the data page, the CSV, the JSON and
datapackage.json all read it. A field added to the content model's `Statistic` is published as written,
with its docstring as the column's description; only the fields below are shaped or left out.
"""

from __future__ import annotations

from typing import Any

from ..content.model import Statistic
from .catalogues import N_

DATA_LICENCE = "CC BY 4.0"

# The Statistic fields opendata.py writes out in a shape of its own, and those the data leaves to the pages
# (headline, related and chart arrange the site; discrepancies and history are read on the sources page).
SHAPED_FIELDS = {"slug", "sentence", "short_title", "figure", "period", "scope", "sheets", "status", "citations", "caveats",
                 "derivation"}
UNPUBLISHED_FIELDS = {"headline", "related", "chart", "discrepancies", "history"}
UNPUBLISHED_SOURCE_FIELDS = {"http_only"}  # how the build checks the address, not a fact about the source


def added_fields() -> dict[str, Any]:
    """Statistic fields published as written: every field not shaped or left out above."""
    return {name: info for name, info in Statistic.model_fields.items() if name not in SHAPED_FIELDS | UNPUBLISHED_FIELDS}


# What each column of /data/statistics.csv holds, in order (the data page and datapackage.json show these);
# each added field follows, described by its docstring in the content model.
SHAPED_COLUMNS = {
    "slug": N_("The figure's identifier; its page is /stats/<slug>/."),
    "title": N_("A short name for the figure."),
    "sentence": N_("The sentence that states the figure, in this site's words."),
    "value": N_("The figure as a number (percentages as 59, not 0.59; millions as 21.4). Empty for a figure stated in words, which is a bound."),
    "lower_bound": N_("For a figure in words such as 'over one third': the value it exceeds (33.3), in bound_unit."),
    "upper_bound": N_("For a figure in words such as 'under half': the value it stays below, in bound_unit."),
    "bound_unit": N_("The unit of the bounds: percent, or times ('over twice as many' is a lower bound of 2 times)."),
    "range_low": N_("For a figure worked out from rounded figures: the lowest value the rounding allows."),
    "range_high": N_("For a figure worked out from rounded figures: the highest value the rounding allows."),
    "unit": N_("percent, count, million, or words (a figure stated in words, such as 'over one third')."),
    "as_printed": N_("The figure as the site prints it."),
    "approximate": N_("true where the site prints 'about'."),
    "period": N_("The time the figure covers."),
    "scope": N_("Exactly what is counted."),
    "status": N_("reported (a source states it), derived (worked out by this site) or disputed (sources disagree)."),
    "derivation": N_("For derived figures, the arithmetic."),
    "sheets": N_("The fact sheets the figure appears on, separated by semicolons."),
    "sources": N_("Each citation as read: publisher and title, then 'as reported by' the coverage it was read in (when the source itself was not read), where the passage is, and the address of the page that holds it; separated by ' | '."),
    "page_url": N_("The figure's page."),
    "sources_page_url": N_("The page quoting the passages that state it."),
}


def csv_columns() -> list[tuple[str, str]]:
    """(name, what it holds) of each column of statistics.csv, in order."""
    return list(SHAPED_COLUMNS.items()) + [(name, info.description or "") for name, info in added_fields().items()]
