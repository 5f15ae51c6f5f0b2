"""Geometry of the small SVG charts the app draws itself: no script, no library, safe under the CSP.

Pure: labels and numbers in, coordinates out; templates/casework/bar_chart.svg.html draws them
(so every label is escaped by the template engine).
"""

from dataclasses import dataclass

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 240
BAR_AREA = 300
VALUE_WIDTH = 60


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str
    y: int
    length: float
    suppressed: bool

    @property
    def text_y(self):
        return self.y + BAR_HEIGHT - 6

    @property
    def value_x(self):
        return LABEL_WIDTH + self.length + 6


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def width(self):
        return LABEL_WIDTH + BAR_AREA + VALUE_WIDTH

    @property
    def height(self):
        return len(self.bars) * (BAR_HEIGHT + GAP) + GAP


def horizontal_bars(rows, *, title, suppressed_below=None):
    """rows: (label, count, shown), `shown` being what to print (e.g. "<11" for a suppressed count).

    A suppressed count is drawn as an outlined bar as long as the threshold, so the chart never
    says more than the printed "<k".
    """
    largest = max([count for _label, count, _shown in rows] + [suppressed_below or 0, 1])
    bars = []
    for index, (label, count, shown) in enumerate(rows):
        suppressed = suppressed_below is not None and 0 < count < suppressed_below
        length = BAR_AREA * (suppressed_below if suppressed else count) / largest
        bars.append(Bar(str(label), str(shown), GAP + index * (BAR_HEIGHT + GAP), round(length, 1), suppressed))
    return BarChart(title=title, bars=tuple(bars))
