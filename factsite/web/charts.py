"""Chart data -> Plotly figure JSON, in the site's one chart style."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..content.locales import DEFAULT_LANGUAGE
from . import urls
from .catalogues import N_
from .jobs import ImageJob
from .csv_cells import text_cell
from ..content.derive import Range
from ..content.figures import display, format_number
from ..content.model import Chart, Statistic

REMAINDER_LABEL = N_("Not specified in the source")  # Chart's default remainder label, marked for the catalogue

# Okabe-Ito: safe for the common kinds of colour blindness, with enough contrast on white.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
REMAINDER_COLOUR = "#767676"
SERIES_PATTERNS = ["/", "", "x", "."]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def site_template() -> dict:
    """The site's one chart style, as a Plotly layout template.

    Figures are plain dicts, not plotly.graph_objects: validating every property in Python cost
    about 5 ms a chart, most of an HTML-only build at a few thousand charts. plotly.js checks the
    figure when it draws it, and the tests compare the drawn labels. Built on each call so that the
    style constants above (PALETTE, FONT) are read when the figure is made: a changed style changes
    figure_json, hence every cache key of the images it shapes.
    """
    axis = dict(showgrid=False, zeroline=False, showline=False, automargin=True, fixedrange=True)
    return {"layout": dict(
        font=dict(family=FONT, size=14, color="#1a1a1a"),
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        colorway=list(PALETTE),
        margin=dict(l=8, r=56, t=16, b=8),
        xaxis=dict(axis),
        yaxis=dict(axis),
        showlegend=False,
        hoverlabel=dict(font=dict(family=FONT)),
    )}


# No "download plot as a png" button: its image would carry neither title nor source. The Download
# links under every chart give images that do (see download_figure).
CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["toImage", "lasso2d", "select2d", "zoom2d", "pan2d", "autoScale2d"]}


@dataclass(frozen=True)
class TableRow:
    label: str
    series: str | None
    value: float
    value_text: str
    sources_url: str | None  # None for the computed remainder
    range: Range | None = None  # the values rounded inputs allow, for a derived figure
    range_text: str | None = None


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int


@dataclass(frozen=True)
class ChartModel:
    id: str
    title: str
    description: str
    value_label: str
    rows: list[TableRow]
    has_series: bool
    figure_json: str  # data, layout and config, ready for Plotly.newPlot
    narrow: ImageSize  # the static image phones get
    wide: ImageSize  # the static image wider screens, print and downloads get
    ranges_note: str = ""  # the ranges of derived bars, in words: for the caption and the image's alt text
    unit: str = ""  # percent, count or million: every bar of a chart shares one
    # The download images' own words: the title, then "Source: ... · <page address> · <date>", so a
    # saved image still says what it shows and where it comes from. Set by the page models.
    download_note: str = ""
    embed_height: int = 0  # the iframe height the embed code gives: the embed page's content at article width
    stats: tuple[str, ...] = ()  # the statistics it draws, by slug, in its order
    language: str = DEFAULT_LANGUAGE  # its words' language: its files sit under that language's address

    def url(self, variant: str, extension: str) -> str:
        return urls.localized(urls.chart_file(self.id, variant, extension), self.language)


NARROW_WIDTH, WIDE_WIDTH = 340, 720
VALUE_TEXT_PX = 8  # room a character of a printed value takes beside its bar, at the style's 14 px


def _rows(chart: Chart, stats: dict[str, Statistic], ranges: dict[str, Range],
          language: str, gettext: Callable[[str], str] = N_) -> tuple[list[TableRow], list[float]]:
    rows, values = [], []
    for point in chart.points:
        stat = stats[point.stat]
        span = ranges.get(point.stat)
        rows.append(TableRow(point.label, point.series, stat.figure.value, display(stat.figure, language),
                             urls.localized(urls.stat_sources(stat.slug), language),
                             span, span.text(stat.figure.unit, language) if span else None))
        values.append(stat.figure.value)
    if chart.whole is not None:
        remainder = round(chart.whole - sum(values), 6)
        if remainder > 0:
            unit = stats[chart.points[0].stat].figure.unit
            text = f"{format_number(remainder)}%" if unit == "percent" else format_number(remainder)
            # The model's default label is the site's own words, so each language writes its own.
            label = gettext(REMAINDER_LABEL) if chart.default_remainder else chart.remainder_label
            rows.append(TableRow(label, None, remainder, text, None))
            values.append(remainder)
    return rows, values


def _plotly_text(text: str) -> str:
    """Text for Plotly, which reads <a href>, <span style> and the like in labels as its own markup:
    escaped, so a label is drawn as written and never as a link or restyled text (Plotly decodes
    the entities back to the characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _bar(**properties) -> dict:
    return {"type": "bar", **properties}


def _error_bars(rows: list[TableRow], horizontal: bool) -> dict:
    """Whiskers over the values a derived bar may take; none when no bar has a range."""
    if not any(row.range for row in rows):
        return {}
    above = [(row.range.high - row.value) if row.range else 0 for row in rows]
    below = [(row.value - row.range.low) if row.range else 0 for row in rows]
    bars = dict(type="data", symmetric=False, array=above, arrayminus=below, color="#1a1a1a", thickness=1.5, width=0)
    return {"error_x" if horizontal else "error_y": bars}


def _traces(chart: Chart, rows: list[TableRow], values: list[float]) -> list[dict]:
    horizontal = chart.kind == "bar"
    if chart.kind == "grouped-column":
        # Drawn as grouped horizontal bars: category names stay readable on a phone, and each
        # series has its own hatching so the chart still reads when printed in greyscale.
        series_names = list(dict.fromkeys(row.series for row in rows))
        traces = []
        for i, name in enumerate(series_names):
            chosen = [(row, value) for row, value in zip(rows, values) if row.series == name][::-1]
            shown_name = _plotly_text(name or "")
            traces.append(_bar(
                name=shown_name, y=[_plotly_text(r.label) for r, _ in chosen], x=[v for _, v in chosen], orientation="h",
                text=[_plotly_text(r.value_text) for r, _ in chosen], textposition="outside", cliponaxis=False,
                marker=dict(color=PALETTE[i % len(PALETTE)], pattern=dict(shape=SERIES_PATTERNS[i % len(SERIES_PATTERNS)])),
                hovertemplate="%{y}: %{text}<extra>" + shown_name + "</extra>",
                **_error_bars([r for r, _ in chosen], True),
            ))
        return traces[::-1]
    colours = [PALETTE[0] if row.sources_url else REMAINDER_COLOUR for row in rows]
    labels, texts = [_plotly_text(row.label) for row in rows], [_plotly_text(row.value_text) for row in rows]
    ordered = rows
    if horizontal:  # top-to-bottom in the author's order
        labels, values, texts, colours, ordered = labels[::-1], values[::-1], texts[::-1], colours[::-1], rows[::-1]
    bar = _bar(
        x=values if horizontal else labels, y=labels if horizontal else values,
        orientation="h" if horizontal else "v", text=texts, textposition="outside", cliponaxis=False,
        marker=dict(color=colours), hovertemplate="%{text}<extra></extra>", **_error_bars(ordered, horizontal),
    )
    return [bar]


def ranges_note(rows: list[TableRow], gettext: Callable[[str], str] = N_) -> str:
    """The ranges of derived bars in words: '... Defendants charged, 2019 (derived): 278 to 280.'"""
    spans = [f"{row.label}{', ' + row.series if row.series else ''}: {row.range_text}" for row in rows if row.range_text]
    if not spans:
        return ""
    return gettext(N_("Some bars are worked out from rounded figures; the line at the end of each shows the values it "
                      "could take. %(ranges)s.")) % {"ranges": "; ".join(spans)}


def build_chart(chart: Chart, chart_id: str, stats: dict[str, Statistic], ranges: dict[str, Range] | None = None,
                language: str = DEFAULT_LANGUAGE, gettext: Callable[[str], str] = N_) -> ChartModel:
    rows, values = _rows(chart, stats, ranges or {}, language, gettext)
    horizontal = chart.kind in ("bar", "grouped-column")
    data = _traces(chart, rows, values)
    # Values are printed on the bars and named in the caption: no axis, no ticks, no gridlines.
    # Room beyond the longest bar for its label ("about 1,350"), so no label is cut off. A breakdown
    # of a whole is drawn on the whole's scale, so two such charts compare: 43% is always shorter
    # than 65%, whichever chart each is in.
    longest = chart.whole if chart.whole is not None else max(values)
    value_axis = dict(showticklabels=False, range=[0, longest * (1.45 if horizontal else 1.15)])
    height = max(200, (34 if chart.kind == "grouped-column" else 50) * len(rows) + 90) if horizontal else 340
    layout = dict(
        template=site_template(),
        showlegend=chart.kind == "grouped-column",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, traceorder="reversed"),
        uniformtext=dict(minsize=12, mode="show"),
        bargap=0.3,
    )
    layout["xaxis" if horizontal else "yaxis"] = value_axis
    if horizontal:
        # The value is printed past the bar's end; a long one ("20.3 million") needs more room than the
        # style's right margin on a phone-width image, or it is cut off at the image's edge.
        layout["margin"] = dict(r=max(56, VALUE_TEXT_PX * max(len(row.value_text) for row in rows)))  # the rest: the style's
    payload = {"data": data, "layout": layout, "config": CONFIG}
    return ChartModel(
        id=chart_id, title=chart.title, description=chart.description, value_label=chart.value_label,
        rows=rows, has_series=chart.kind == "grouped-column",
        figure_json=json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False),  # plain data: no Plotly encoder needed
        narrow=ImageSize(NARROW_WIDTH, narrow_height(rows)), wide=ImageSize(WIDE_WIDTH, height),
        ranges_note=ranges_note(rows, gettext),
        unit=stats[chart.points[0].stat].figure.unit, stats=tuple(point.stat for point in chart.points), language=language,
    )


# Room above for the title (and below it a legend's row), a note line's height, and how many
# characters of the note fit on a line under the bars of a 720 px image (labels take the left).
DOWNLOAD_TITLE_ROOM, DOWNLOAD_LEGEND_ROOM, DOWNLOAD_LINE_HEIGHT, DOWNLOAD_LINE_CHARACTERS = 44, 34, 17, 72


def _wrapped(text: str, width: int = DOWNLOAD_LINE_CHARACTERS) -> list[str]:
    """Plotly does not wrap annotations: break each line of the note at spaces."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        start = len(lines)
        for word in paragraph.split():
            if len(lines) > start and len(lines[-1]) + 1 + len(word) <= width:
                lines[-1] += " " + word
            else:
                lines.append(word)
    return lines


def download_figure(chart: ChartModel) -> tuple[str, int]:
    """The chart as a saved image shows it: its title above, its sources, address and date below."""
    figure = json.loads(chart.figure_json)
    lines = _wrapped(chart.download_note)
    below = DOWNLOAD_LINE_HEIGHT * len(lines) + 16
    layout = figure["layout"]
    above = DOWNLOAD_TITLE_ROOM + (DOWNLOAD_LEGEND_ROOM if layout.get("showlegend") else 0)
    layout["title"] = {"text": f"<b>{_plotly_text(chart.title)}</b>", "x": 0.01, "xanchor": "left", "y": 1,
                       "yref": "container", "yanchor": "top", "pad": {"t": 12}, "font": {"size": 17}}
    layout["margin"] = {**layout.get("margin", {}), "t": above, "b": below}  # the room for values stays
    layout["annotations"] = [{"text": "<br>".join(_plotly_text(line) for line in lines), "showarrow": False,
                              "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
                              "yshift": -8, "align": "left", "font": {"size": 12, "color": "#4d4d4d"}}]
    height = chart.wide.height + above + below
    return json.dumps(figure, sort_keys=True, separators=(",", ":"), allow_nan=False), height


NARROW_LABEL_CHARACTERS = 40  # a category label's line above its bars on a phone-width image
NARROW_ROW_PX, NARROW_LABEL_LINE_PX, NARROW_BASE_PX = 30, 22, 24  # a bar, a label line above it, the margins


def narrow_height(rows: list[TableRow]) -> int:
    """A phone-width image's height: every category gets one band (a category axis has equal
    bands), as tall as the tallest one needs for its bars and the label lines above them."""
    bars = Counter(row.label for row in rows)  # each category's, counted in one pass over the rows
    band = max(NARROW_ROW_PX * count + NARROW_LABEL_LINE_PX * len(_wrapped(label, NARROW_LABEL_CHARACTERS))
               for label, count in bars.items())
    return NARROW_BASE_PX + band * len(bars)


def narrow_figure(chart: ChartModel) -> str:
    """The chart as a phone-width image draws it (as Pew and Our World in Data do): each category's
    label on its own line above its bars, so the bars get the image's whole width and no label
    squeezes them into a sliver."""
    figure = json.loads(chart.figure_json)
    layout = figure["layout"]
    columns = [trace for trace in figure["data"] if trace.get("orientation") != "h"]
    for trace in columns:  # a column chart becomes bars: labels tilted under narrow columns do not read
        trace.update(orientation="h", x=trace["y"][::-1], y=trace["x"][::-1], text=trace["text"][::-1])
        if "error_y" in trace:
            bars = trace.pop("error_y")
            trace["error_x"] = {**bars, "array": bars["array"][::-1], "arrayminus": bars["arrayminus"][::-1]}
    if columns:
        value_axis = layout.pop("yaxis")
        value_axis["range"] = [0, value_axis["range"][1] / 1.15 * 1.45]  # room for the value past the bar
        layout["xaxis"] = value_axis
    labels = list(dict.fromkeys(label for trace in figure["data"] for label in trace.get("y", [])))
    wrapped = {label: _wrapped(label, NARROW_LABEL_CHARACTERS) for label in labels}
    # One band per category, each as tall as its bars plus its label's lines: a category axis gives
    # every band the same height, so the labels are placed by hand in paper coordinates instead.
    layout["yaxis"] = {**layout.get("yaxis", {}), "showticklabels": False, "automargin": False}
    layout["margin"] = {**layout.get("margin", {}), "l": 8, "t": 8, "b": 8}
    band = (chart.narrow.height - 16) / len(labels)
    lines = max(len(lines) for lines in wrapped.values())
    layout["bargap"] = min(0.7, (NARROW_LABEL_LINE_PX * lines + 12) / band)  # the room above the bars is the label's
    layout["annotations"] = [
        {"text": "<br>".join(wrapped[label]), "showarrow": False, "align": "left",  # escaped with the bars' labels
         "xref": "paper", "x": 0, "xanchor": "left", "yref": "y", "y": label, "yanchor": "bottom",
         "yshift": band * (1 - layout["bargap"]) / 2, "font": {"size": 14}}
        for label in labels
    ]
    return json.dumps(figure, sort_keys=True, separators=(",", ":"), allow_nan=False)


def image_jobs(chart: ChartModel) -> list[ImageJob]:
    """The static images of one chart: narrow and wide SVG for the page, and for downloads a PNG and
    an SVG that carry the chart's title, sources, address and date inside the image."""
    download_json, download_height = download_figure(chart)
    return [
        ImageJob(urls.output_path(chart.url("narrow", "svg")), narrow_figure(chart), chart.narrow.width, chart.narrow.height, "svg"),
        ImageJob(urls.output_path(chart.url("wide", "svg")), chart.figure_json, chart.wide.width, chart.wide.height, "svg"),
        ImageJob(urls.output_path(chart.url("wide", "png")), download_json, chart.wide.width, download_height, "png", 2),
        ImageJob(urls.output_path(chart.url("download", "svg")), download_json, chart.wide.width, download_height, "svg"),
    ]


def chart_csv(chart: ChartModel, base_url: str, credits: dict[str, str], licence: str) -> bytes:
    """The chart's numbers, each with its unit, its sources as read (`credits`, by sources page), the
    page that quotes them, and the licence: a downloaded file keeps its provenance."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["label", "series", "value", "unit", "as_printed", "range_low", "range_high", "sources", "sources_page",
                     "licence"])
    for row in chart.rows:
        source = urls.absolute(base_url, row.sources_url) if row.sources_url else "remainder: not specified in the source"
        low, high = (end.replace(",", "") for end in row.range.ends()) if row.range else ("", "")
        writer.writerow([text_cell(row.label), text_cell(row.series or ""), format_number(row.value).replace(",", ""),
                         chart.unit, text_cell(row.value_text), low, high, text_cell(credits.get(row.sources_url or "", "")),
                         source, licence])
    return buffer.getvalue().encode("utf-8")
