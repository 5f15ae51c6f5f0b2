"""Geometry of the small SVG charts the app draws itself: no script, no library, safe under the CSP.

Pure: labels and numbers in, coordinates out; the templates draw them (so every label is escaped
by the template engine): horizontal bars (templates/casework/bar_chart.svg.html) and lines of a
share per quarter (templates/dashboards/indicators.html), with the Share they plot.
"""

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 240  # at least; wider for long labels (about 7 units a character at 13 px)
LABEL_UNITS_PER_CHARACTER = 7
BAR_AREA = 300
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str
    y: int
    length: float
    suppressed: bool
    value_x: float  # where the printed value starts, after the bar

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT - 6


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def width(self):
        return self.label_width + BAR_AREA + VALUE_WIDTH

    @property
    def height(self):
        return len(self.bars) * (BAR_HEIGHT + GAP) + GAP


def horizontal_bars(rows, *, title, suppressed_below=None):
    """rows: (label, count, shown), `shown` being what to print (e.g. "<11" for a suppressed count).

    A suppressed count is drawn as an outlined bar as long as the threshold, so the chart never
    says more than the printed "<k".
    """
    largest = max([count for _label, count, _shown in rows] + [suppressed_below or 0, 1])
    label_width = max([LABEL_WIDTH] + [LABEL_UNITS_PER_CHARACTER * len(str(label)) + 8 for label, _count, _shown in rows])
    bars = []
    for index, (label, count, shown) in enumerate(rows):
        suppressed = suppressed_below is not None and 0 < count < suppressed_below
        length = round(BAR_AREA * (suppressed_below if suppressed else count) / largest, 1)
        y = GAP + index * (BAR_HEIGHT + GAP)
        bars.append(Bar(str(label), str(shown), y, length, suppressed, value_x=label_width + length + 6))
    return BarChart(title=title, bars=tuple(bars), label_width=label_width)


# --- Shares --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """part / whole as shown: both counts as the table shows them, and the percentage when both are
    shown ints (never worked out from a hidden count)."""

    part: int | str
    whole: int | str

    @property
    def percent(self):
        if isinstance(self.part, str) or isinstance(self.whole, str) or not self.whole:
            return None
        return (200 * self.part + self.whole) // (2 * self.whole)  # rounded half up

    @property
    def hidden(self):
        """The mark of the hidden count ("<11" or "*") when the share cannot be shown, else None."""
        for count in (self.part, self.whole):
            if isinstance(count, str):
                return count
        return None

    @property
    def shown(self):
        if self.hidden:
            return self.hidden
        return "—" if self.percent is None else f"{self.percent} %"


# --- Line charts (SVG drawn by the template: no script, no style attribute) ----------------------

# Small enough to stay legible when scaled down to a 360 px screen (font sizes are in these units).
CHART_WIDTH = 420
PLOT_LEFT, PLOT_RIGHT = 46, 412
LEGEND_HEIGHT = 26
PLOT_HEIGHT = 140
AXIS_LABELS = 38  # under the plot: "Q1" and, under the first quarter and each Q1, the year


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    quarter: str
    shown: str

    @property
    def corner_x(self):  # a square marker's corner (the template cannot subtract)
        return round(self.x - 3.5, 1)

    @property
    def corner_y(self):
        return round(self.y - 3.5, 1)


@dataclass(frozen=True)
class ChartSeries:
    label: str
    path: str
    points: tuple[ChartPoint, ...]
    second: bool  # drawn dashed, with square markers (told apart without colour)
    legend_x: int


@dataclass(frozen=True)
class LineChart:
    chart_id: str
    title: str
    description: str
    series: tuple[ChartSeries, ...]
    ticks: tuple[tuple[float, str, str], ...]  # x, "Q1", the year or "" (shown under the first quarter and each Q1)
    grid: tuple[tuple[float, str], ...]  # y, "0 %" / "50 %" / "100 %"
    plot_top: int
    plot_bottom: int

    width = CHART_WIDTH
    plot_left = PLOT_LEFT
    plot_right = PLOT_RIGHT

    @property
    def height(self):
        return self.plot_bottom + AXIS_LABELS

    @property
    def tick_label_y(self):
        return self.plot_bottom + 17

    @property
    def year_label_y(self):
        return self.plot_bottom + 33

    @property
    def legend_y(self):
        return LEGEND_HEIGHT - 12


def share_chart(chart_id, title, quarters, series):
    """A line per series of the share per quarter, 0 to 100 %; a hidden or empty quarter breaks the line.

    series: (label, [Share per quarter]). `description` says every value in words (the chart's text
    alternative, with the table beside it).
    """
    top = LEGEND_HEIGHT if len(series) > 1 else 10
    bottom = top + PLOT_HEIGHT
    step = (PLOT_RIGHT - PLOT_LEFT) / len(quarters)

    def x_of(index):
        return round(PLOT_LEFT + (index + 0.5) * step, 1)

    def y_of(percent):
        return round(bottom - PLOT_HEIGHT * percent / 100, 1)

    drawn, words = [], []
    for number, (label, shares) in enumerate(series):
        points, path, broken = [], [], True
        for index, (quarter, share) in enumerate(zip(quarters, shares, strict=True)):
            if share.percent is None:
                broken = True
                continue
            point = ChartPoint(x_of(index), y_of(share.percent), quarter, share.shown)
            path.append(f"{'M' if broken else 'L'} {point.x:.1f} {point.y:.1f}")
            points.append(point)
            broken = False
        drawn.append(ChartSeries(str(label), " ".join(path), tuple(points), number % 2 == 1, PLOT_LEFT + 140 * number))
        values = ", ".join(f"{quarter}: {share.shown}" for quarter, share in zip(quarters, shares, strict=True))
        words.append(f"{label}: {values}" if len(series) > 1 else values)
    return LineChart(
        chart_id=chart_id,
        title=str(title),
        description="; ".join(words),
        series=tuple(drawn),
        ticks=tuple(_tick(x_of(index), quarter, first=index == 0) for index, quarter in enumerate(quarters)),
        grid=tuple((y_of(percent), f"{percent} %") for percent in (0, 50, 100)),
        plot_top=top,
        plot_bottom=bottom,
    )


def _tick(x, quarter, *, first):
    year, number = quarter.split("-")
    return x, number, year if first or number == "Q1" else ""
