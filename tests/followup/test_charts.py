"""The follow-up wellbeing chart: followup/charts.py (pure) and the template that draws it."""

import re
import xml.etree.ElementTree as ET
from datetime import date
from itertools import pairwise

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.charts import BAND_PADDING, ScoreChart, score_chart

DIMENSIONS = [("SAFETY", "Safety"), ("HEALTH", "Health"), ("INCOME", "Income")]
JAN, APR, JUL, OCT = date(2026, 1, 15), date(2026, 4, 15), date(2026, 7, 15), date(2026, 10, 15)
SVG = "{http://www.w3.org/2000/svg}"
COORDINATE = re.compile(r"^-?\d+\.\d$")


def row(chart, code):
    return next(item for item in chart.rows if item.dimension == code)


# --- Concrete examples ----------------------------------------------------------------------


def test_no_visits_give_no_chart():
    assert score_chart([], DIMENSIONS) is None


def test_a_missing_score_breaks_the_line():
    chart = score_chart([(JAN, {"SAFETY": 2}), (APR, {"SAFETY": None}), (JUL, {"SAFETY": 1}), (OCT, {"SAFETY": 3})], DIMENSIONS)
    safety = row(chart, "SAFETY")
    first, second, third = safety.points
    assert [point.when for point in safety.points] == [JAN, JUL, OCT]
    assert safety.path == (f"M {first.x:.1f} {first.y:.1f} M {second.x:.1f} {second.y:.1f} L {third.x:.1f} {third.y:.1f}")


def test_a_dimension_missing_from_a_visit_is_not_assessed_there():
    chart = score_chart([(JAN, {"SAFETY": 2}), (APR, {}), (JUL, {"SAFETY": 1})], DIMENSIONS)
    assert row(chart, "SAFETY").path.count("M") == 2
    assert "L" not in row(chart, "SAFETY").path


def test_a_dimension_never_assessed_still_has_its_row_with_no_line():
    chart = score_chart([(JAN, {"SAFETY": 2})], DIMENSIONS)
    assert [item.dimension for item in chart.rows] == ["SAFETY", "HEALTH", "INCOME"]
    assert [item.label for item in chart.rows] == ["Safety", "Health", "Income"]
    assert row(chart, "INCOME").points == ()
    assert row(chart, "INCOME").path == ""


def test_a_higher_score_is_drawn_higher_within_its_band():
    visits = [(JAN, {"HEALTH": 0}), (APR, {"HEALTH": 1}), (JUL, {"HEALTH": 2}), (OCT, {"HEALTH": 3})]
    chart = score_chart(visits, DIMENSIONS, row_height=28)
    health = row(chart, "HEALTH")
    heights = [point.y for point in health.points]
    assert heights == sorted(heights, reverse=True)
    assert len(set(heights)) == 4
    assert heights[-1] == health.top + BAND_PADDING  # 3 at the top
    assert heights[0] == health.top + 28 - BAND_PADDING  # 0 at the bottom


def test_a_single_date_puts_every_point_in_the_middle():
    chart = score_chart([(APR, {"SAFETY": 1, "HEALTH": 3})], DIMENSIONS)
    middle = round((chart.plot_left + chart.plot_right) / 2, 1)
    assert [point.x for item in chart.rows for point in item.points] == [middle, middle]
    assert chart.dates == ((middle, APR),)


def test_x_is_proportional_to_the_date():
    days = [date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 3)]
    chart = score_chart([(day, {"SAFETY": 1}) for day in days], DIMENSIONS)
    (first, first_day), (third, third_day), (last, last_day) = chart.dates
    assert (first_day, third_day, last_day) == (date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 11))
    assert chart.plot_left < first < third < last < chart.plot_right
    assert third - first == pytest.approx((last - first) / 5, abs=0.1)


def test_visits_on_the_same_day_are_all_kept_in_their_given_order():
    chart = score_chart([(JUL, {"SAFETY": 0}), (APR, {"SAFETY": 3}), (JUL, {"SAFETY": 2}), (JUL, {"SAFETY": 1})], DIMENSIONS)
    assert [(point.when, point.score) for point in row(chart, "SAFETY").points] == [(APR, 3), (JUL, 0), (JUL, 2), (JUL, 1)]
    assert [when for _x, when in chart.dates] == [APR, JUL]


def test_the_height_is_one_band_per_dimension_and_a_margin_for_the_dates():
    chart = score_chart([(JAN, {"SAFETY": 1})], DIMENSIONS, width=500, row_height=30, label_width=120)
    assert (chart.width, chart.height, chart.plot_left, chart.plot_right) == (500, 3 * 30 + 16, 120, 500)
    assert [item.top for item in chart.rows] == [0, 30, 60]
    assert chart.axis_y == 90
    assert all(item.top < item.label_y < item.top + 30 for item in chart.rows)


@pytest.mark.parametrize("score", [4, -1, 1.5, True, False, "2"])
def test_a_score_that_is_not_an_integer_from_0_to_3_is_refused(score):
    with pytest.raises(ValueError, match="SAFETY"):
        score_chart([(JAN, {"SAFETY": 1}), (APR, {"SAFETY": score})], DIMENSIONS)


@pytest.mark.parametrize(("width", "row_height", "label_width"), [(640, 10, 170), (180, 28, 170)])
def test_a_layout_with_no_room_to_draw_is_refused(width, row_height, label_width):
    with pytest.raises(ValueError, match=r"room|apart"):
        score_chart([(JAN, {"SAFETY": 1})], DIMENSIONS, width=width, row_height=row_height, label_width=label_width)


# --- Properties -----------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)
CODES = ["SAFETY", "HEALTH", "HOUSING", "INCOME", "SUPPORT"]
dimensions = st.lists(st.sampled_from(CODES), min_size=1, unique=True).map(lambda codes: [(code, code.title()) for code in codes])
visits = st.lists(
    st.tuples(
        st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
        st.dictionaries(st.sampled_from(CODES), st.none() | st.integers(0, 3)),
    ),
    min_size=1,
    max_size=30,
)


@st.composite
def layouts(draw):
    label_width = draw(st.integers(0, 300))
    return {
        "label_width": label_width,
        "width": draw(st.integers(label_width + 13, label_width + 1200)),
        "row_height": draw(st.integers(11, 80)),
    }


@PROPERTY
@given(visits, dimensions, layouts())
def test_every_point_lies_inside_the_picture_and_inside_its_own_band(visits, dimensions, layout):
    chart = score_chart(visits, dimensions, **layout)
    assert chart.height == len(dimensions) * layout["row_height"] + 16
    for item in chart.rows:
        assert 0 <= item.top < item.top + layout["row_height"] <= chart.axis_y
        for point in item.points:
            assert chart.plot_left <= point.x <= chart.plot_right <= chart.width
            assert item.top < point.y < item.top + layout["row_height"]


@PROPERTY
@given(visits, dimensions, layouts())
def test_x_never_goes_back_in_time(visits, dimensions, layout):
    chart = score_chart(visits, dimensions, **layout)
    assert [when for _x, when in chart.dates] == sorted({when for when, _scores in visits})
    assert all(x1 <= x2 for (x1, _), (x2, _) in pairwise(chart.dates))
    for item in chart.rows:
        assert all((a.when, a.x) <= (b.when, b.x) for a, b in pairwise(item.points))
    x_of = {when: x for x, when in chart.dates}
    assert all(point.x == x_of[point.when] for item in chart.rows for point in item.points)


@PROPERTY
@given(visits, dimensions, layouts())
def test_each_row_has_one_point_per_visit_that_assessed_its_dimension(visits, dimensions, layout):
    chart = score_chart(visits, dimensions, **layout)
    in_date_order = sorted(visits, key=lambda visit: visit[0])  # stable: same-day visits as given
    for item in chart.rows:
        assessed = [scores[item.dimension] for _when, scores in in_date_order if scores.get(item.dimension) is not None]
        assert [point.score for point in item.points] == assessed


@PROPERTY
@given(visits, dimensions, layouts())
def test_the_path_goes_through_every_point_and_only_them(visits, dimensions, layout):
    chart = score_chart(visits, dimensions, **layout)
    for item in chart.rows:
        commands = re.findall(r"([ML]) (\S+) (\S+)", item.path)
        assert len(commands) == len(item.points)
        assert all(COORDINATE.match(x) and COORDINATE.match(y) for _command, x, y in commands)
        assert [(float(x), float(y)) for _command, x, y in commands] == [(point.x, point.y) for point in item.points]
        assert not commands or commands[0][0] == "M"


@PROPERTY
@given(visits, dimensions, layouts())
def test_a_higher_score_is_always_higher_up(visits, dimensions, layout):
    chart = score_chart(visits, dimensions, **layout)
    for item in chart.rows:
        height_of = {}
        for point in item.points:
            assert height_of.setdefault(point.score, point.y) == point.y
        assert [height_of[score] for score in sorted(height_of)] == sorted(height_of.values(), reverse=True)
        assert len(set(height_of.values())) == len(height_of)


# --- The template ---------------------------------------------------------------------------


def render(chart: ScoreChart, **context):
    return render_to_string("followup/score_chart.svg.html", {"chart": chart, "chart_title": "Wellbeing over time", **context})


def parse(svg):
    """The SVG as XML: it must be well-formed to be inlined."""
    return ET.fromstring(svg)  # noqa: S314  (our own template's output)


def test_the_template_draws_one_line_per_row_and_no_inline_style():
    chart = score_chart([(JAN, {"SAFETY": 2, "HEALTH": 1}), (APR, {"SAFETY": None}), (JUL, {"SAFETY": 1, "HEALTH": 3})], DIMENSIONS)
    svg = render(chart)
    root = parse(svg)
    assert len(root.findall(f"{SVG}path")) == len(chart.rows) == 3
    assert [path.get("d") for path in root.findall(f"{SVG}path")] == [item.path for item in chart.rows]
    assert len(root.findall(f"{SVG}circle")) == 4
    assert "style=" not in svg
    assert root.get("viewBox") == f"0 0 {chart.width} {chart.height}"
    assert root.get("aria-labelledby") == "score-chart-title"
    assert root.find(f"{SVG}title").text == "Wellbeing over time"


def test_the_template_writes_numbers_with_a_point_in_spanish_too():
    chart = score_chart([(date(2026, 1, 31), {"SAFETY": 2}), (date(2026, 2, 9), {"SAFETY": 1})], DIMENSIONS, width=613)
    with translation.override("es"):
        root = parse(render(chart))
    for circle in root.iter(f"{SVG}circle"):
        assert COORDINATE.match(circle.get("cx"))
        assert COORDINATE.match(circle.get("cy"))
    assert [circle.find(f"{SVG}title").text for circle in root.iter(f"{SVG}circle")] == ["31/01/2026: 2", "09/02/2026: 1"]


def test_the_template_escapes_labels_and_uses_the_given_id():
    chart = score_chart([(JAN, {"SAFETY": 2})], [("SAFETY", "<b>Safety & shelter</b>")])
    svg = render(chart, chart_id="case-7-scores")
    assert "&lt;b&gt;Safety &amp; shelter&lt;/b&gt;" in svg
    root = parse(svg)
    assert root.get("aria-labelledby") == "case-7-scores-title"
    assert root.find(f"{SVG}title").get("id") == "case-7-scores-title"
