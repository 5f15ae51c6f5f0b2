"""Geometry of the follow-up wellbeing chart: one band per dimension, a sparkline of its scores.

Pure (no Django), like casework/charts.py: codes, labels and scores in, coordinates out;
templates/followup/score_chart.svg.html draws them, so every label is escaped by the template engine.
Scores are 0..3; None (or a missing code) means "not assessed" and leaves a gap in the line rather
than a made-up value.
"""

import datetime
from dataclasses import dataclass

MIN_SCORE, MAX_SCORE = 0, 3
DATE_MARGIN = 16  # under the bands: the date ticks
BAND_PADDING = 4  # keeps the dots of scores 0 and 3 off the band edges
INNER_MARGIN = 6  # keeps the first and last dots off the plot edges
LABEL_BASELINE = 4  # from the band's middle to a 12px label's baseline


@dataclass(frozen=True)
class ScorePoint:
    x: float
    y: float
    score: int
    when: datetime.date


@dataclass(frozen=True)
class ScoreRow:
    dimension: str
    label: str
    top: float
    label_y: float
    points: tuple[ScorePoint, ...]
    path: str


@dataclass(frozen=True)
class ScoreChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    rows: tuple[ScoreRow, ...]
    dates: tuple[tuple[float, datetime.date], ...]

    @property
    def axis_y(self):
        """Top of the date margin (the template cannot subtract)."""
        return self.height - DATE_MARGIN


def score_chart(visits, dimensions, *, width=640, row_height=28, label_width=170) -> ScoreChart | None:
    """visits: (date, {code: 0..3 or None}) in any order; dimensions: (code, label) in display order.

    None when there are no visits; a dimension never assessed still gets its (empty) row.
    """
    _check_layout(width, row_height, label_width)
    # sorted() is stable: visits on the same day keep the order they were given in.
    ordered = sorted(((when, _checked(scores)) for when, scores in visits), key=lambda visit: visit[0])
    if not ordered:
        return None
    x_of = _date_scale(ordered[0][0], ordered[-1][0], label_width + INNER_MARGIN, width - INNER_MARGIN)
    rows = tuple(_row(code, label, index * row_height, row_height, ordered, x_of) for index, (code, label) in enumerate(dimensions))
    dates = tuple((x_of(when), when) for when in sorted({when for when, _scores in ordered}))
    return ScoreChart(width, len(dimensions) * row_height + DATE_MARGIN, float(label_width), float(width), rows, dates)


def _check_layout(width, row_height, label_width):
    """Refuse sizes that would put dots outside their band or the plot, or merge two scores' heights."""
    if row_height < 2 * BAND_PADDING + MAX_SCORE:
        raise ValueError(f"row_height {row_height} is too small to tell the scores apart")
    if width - label_width <= 2 * INNER_MARGIN:
        raise ValueError(f"width {width} leaves no room to plot after a label of {label_width}")


def _checked(scores):
    """The scores, once each is known to be None or an int 0..3 (a bool is not a score)."""
    for code, score in scores.items():
        if score is None:
            continue
        if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
            raise ValueError(f"score of {code!r} must be an integer {MIN_SCORE}..{MAX_SCORE} or None, not {score!r}")
    return scores


def _date_scale(first, last, left, right):
    """x of a date, linear from the first to the last visit; one day only is drawn in the middle."""
    span = (last - first).days
    if span == 0:
        return lambda when: round((left + right) / 2, 1)
    return lambda when: round(left + (right - left) * (when - first).days / span, 1)


def _score_y(score, top, row_height):
    """y of a score in its band: 3 at the top, 0 at the bottom (SVG's y grows downwards)."""
    bottom = top + row_height - BAND_PADDING
    return round(bottom - (row_height - 2 * BAND_PADDING) * score / MAX_SCORE, 1)


def _row(code, label, top, row_height, ordered, x_of):
    """One band: a dot per assessed visit, and the line through them, broken where a visit has no score."""
    points, path, broken = [], [], True
    for when, scores in ordered:
        score = scores.get(code)
        if score is None:
            broken = True
            continue
        point = ScorePoint(x_of(when), _score_y(score, top, row_height), score, when)
        path.append(f"{'M' if broken else 'L'} {point.x:.1f} {point.y:.1f}")
        points.append(point)
        broken = False
    return ScoreRow(code, label, float(top), top + row_height / 2 + LABEL_BASELINE, tuple(points), " ".join(path))
