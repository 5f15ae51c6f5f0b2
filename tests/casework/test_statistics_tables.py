"""Cross-tabulations that may leave the system (DOMAIN.md section 13): small cells shown as "<k", a box of
cells hidden wherever the totals would give a small cell away, counts rounded down to multiples of k for
publication. casework/statistics.py, pure (no database).

The expected tables of the examples were worked out by hand from the rules in protect_table's docstring.
The property tests judge recoverability with their own linear algebra (below), not the module's.
"""

import itertools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.statistics import COMPLEMENTARY, TOTAL, ProtectedTable, crosstab, excluded_count, protect, protect_table

K = 11
T = TOTAL


def table(counts, categories, *, k=K, publication=False):
    dimensions = tuple(f"d{i}" for i in range(len(categories)))
    return protect_table(counts, dimensions=dimensions, categories=categories, k=k, publication=publication)


# --- Examples ------------------------------------------------------------------------------------


def test_a_2x2_table_with_one_small_cell_hides_the_whole_inside_and_keeps_every_total():
    # Any second cell in the row or column of the 3 would still leave it recoverable from the other
    # total; the cheapest box without totals is the whole 2x2 inside.
    shown = table({("A", "x"): 3, ("A", "y"): 20, ("B", "x"): 15, ("B", "y"): 30}, [("A", "B"), ("x", "y")])
    assert shown.rows() == [
        (("A",), ["<11", COMPLEMENTARY, 23]),
        (("B",), [COMPLEMENTARY, COMPLEMENTARY, 45]),
        ((T,), [18, 50, 68]),
    ]
    assert shown.columns == ("x", "y", T)
    assert shown.suppressed == {("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")}


def test_a_small_cell_gets_the_cheapest_rectangle_of_cells_in_its_row_and_column():
    # Boxes through (A, x) without totals: with column y (20 + 15 + 12 = 47) or column z (40 + 15 + 50 = 105).
    shown = table(
        {("A", "x"): 3, ("A", "y"): 20, ("A", "z"): 40, ("B", "x"): 15, ("B", "y"): 12, ("B", "z"): 50},
        [("A", "B"), ("x", "y", "z")],
    )
    assert shown.rows() == [
        (("A",), ["<11", COMPLEMENTARY, 40, 63]),
        (("B",), [COMPLEMENTARY, COMPLEMENTARY, 50, 77]),
        ((T,), [18, 32, 90, 140]),
    ]
    assert shown.cell("B", "y") == COMPLEMENTARY  # 12 is not small, but would give away the 3
    assert shown.cell(T, T) == 140


def test_a_small_total_is_hidden_and_so_is_another_rows_total_that_would_give_it_away():
    # Row A is 4 + 5 = 9: all three "<11". The columns would give 4 and 5 away (49 - 20 - 25): the box
    # through (A, x) with row B and column y hides B's cells. The grand total minus rows B and C would
    # give the 9 away: the box through (A, TOTAL) adds only B's total.
    shown = table(
        {("A", "x"): 4, ("A", "y"): 5, ("B", "x"): 20, ("B", "y"): 30, ("C", "x"): 25, ("C", "y"): 35},
        [("A", "B", "C"), ("x", "y")],
    )
    assert shown.rows() == [
        (("A",), ["<11", "<11", "<11"]),
        (("B",), [COMPLEMENTARY, COMPLEMENTARY, COMPLEMENTARY]),
        (("C",), [25, 35, 60]),
        ((T,), [49, 70, 119]),
    ]


def test_a_one_way_table_hides_the_smallest_other_cell_as_protect_does():
    counts = {"Lima": 30, "Cusco": 12, "Puno": 3}
    shown = table({(place,): count for place, count in counts.items()}, [tuple(counts)])
    assert shown.rows() == [((), [30, COMPLEMENTARY, "<11", 45])]
    assert {place: shown.cell(place) for place in counts} == protect(counts, k=K)


def test_two_small_cells_in_a_one_way_table_protect_each_other_and_a_small_table_hides_everything():
    assert table({("a",): 30, ("b",): 2, ("c",): 3}, [("a", "b", "c")]).rows() == [((), [30, "<11", "<11", 35])]
    assert table({("a",): 2, ("b",): 3, ("c",): 0}, [("a", "b", "c")]).rows() == [((), ["<11", "<11", 0, "<11"])]


BRIDGE = {
    # Two 2x2 blocks of small cells protect each other's cells, but the small (A, y) joining them could be
    # worked out: rows A and B minus columns w and x leave it alone. The one equation-free way out hides 20.
    **{("A", "w"): 2, ("A", "x"): 3, ("A", "y"): 4, ("A", "z"): 30},
    **{("B", "w"): 5, ("B", "x"): 6, ("B", "y"): 20, ("B", "z"): 40},
    **{("C", "w"): 25, ("C", "x"): 35, ("C", "y"): 7, ("C", "z"): 8},
    **{("D", "w"): 45, ("D", "x"): 50, ("D", "y"): 9, ("D", "z"): 1},
}


def test_a_small_cell_between_two_blocks_of_small_cells_is_protected_though_no_single_total_gives_it_away():
    shown = table(BRIDGE, [("A", "B", "C", "D"), ("w", "x", "y", "z")])
    assert shown.rows() == [
        (("A",), ["<11", "<11", "<11", 30, 39]),
        (("B",), ["<11", "<11", COMPLEMENTARY, 40, 71]),
        (("C",), [25, 35, "<11", "<11", 75]),
        (("D",), [45, 50, "<11", "<11", 105]),
        ((T,), [77, 94, 40, 79, 290]),
    ]


def test_the_property_tests_own_check_finds_that_small_cell_when_it_is_left_unprotected():
    categories = (("A", "B", "C", "D"), ("w", "x", "y", "z"))
    keys = itertools.product(*((*values, TOTAL) for values in categories))
    only_small = {key: "<11" if 0 < true_count(BRIDGE, key) < K else true_count(BRIDGE, key) for key in keys}
    assert recoverable(ProtectedTable(("d0", "d1"), categories, K, False, only_small)) == {("A", "y")}


def test_for_publication_counts_are_rounded_down_to_a_multiple_of_k_after_suppression():
    # 10 is small; the box through it takes the smallest non-zero other cell (12, not the 0).
    counts = {("a",): 27, ("b",): 10, ("c",): 0, ("d",): 12}
    assert table(counts, [("a", "b", "c", "d")]).rows() == [((), [27, "<11", 0, COMPLEMENTARY, 49])]
    published = table(counts, [("a", "b", "c", "d")], publication=True)
    assert published.rows() == [((), [22, "<11", 0, COMPLEMENTARY, 44])]
    assert published.publication
    assert published.cell(T) == 44


def test_a_table_without_small_cells_is_shown_whole():
    shown = table({("W", "01"): 11, ("W", "15"): 0, ("M", "01"): 40, ("M", "15"): 12}, [("W", "M"), ("01", "15")])
    assert shown.suppressed == frozenset()
    assert shown.rows() == [(("W",), [11, 0, 11]), (("M",), [40, 12, 52]), ((T,), [51, 12, 63])]


def test_the_excluded_cases_are_reported_like_any_other_cell():
    assert [excluded_count(count, k=K) for count in (0, 1, 10, 11, 27)] == [0, "<11", "<11", 11, 27]
    assert [excluded_count(count, k=K, publication=True) for count in (0, 10, 11, 27, 33)] == [0, "<11", 11, 22, 33]
    with pytest.raises(ValueError, match="whole number"):
        excluded_count(-1, k=K)


def test_crosstab_counts_every_combination_zeros_included_in_display_order():
    records = [("W", "15"), ("W", "15"), ("M", "01"), ["O", "15"]]
    counts = crosstab(records, [("W", "M", "O"), ("01", "15")])
    assert list(counts.items()) == [
        (("W", "01"), 0),
        (("W", "15"), 2),
        (("M", "01"), 1),
        (("M", "15"), 0),
        (("O", "01"), 0),
        (("O", "15"), 1),
    ]
    assert crosstab(iter([]), [("a", "b")]) == {("a",): 0, ("b",): 0}


def test_crosstab_rejects_a_value_outside_its_dimensions_categories_and_records_of_the_wrong_length():
    with pytest.raises(ValueError, match="'X' is not a category of dimension 0"):
        crosstab([("W", "15"), ("X", "15")], [("W", "M", "O"), ("01", "15")])
    with pytest.raises(ValueError, match="2 dimensions"):
        crosstab([("W",)], [("W", "M", "O"), ("01", "15")])


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="at least one dimension"):
        protect_table({}, dimensions=(), categories=(), k=K)
    with pytest.raises(ValueError, match=">= 2"):
        table({("a",): 3}, [("a", "b")], k=1)
    with pytest.raises(ValueError, match="reserved"):
        table({}, [("a", TOTAL)])
    with pytest.raises(ValueError, match="not a category"):
        table({("c",): 3}, [("a", "b")])
    with pytest.raises(ValueError, match="whole number"):
        table({("a",): -3}, [("a", "b")])
    with pytest.raises(KeyError):
        table({("a",): 3}, [("a", "b")]).cell("c")


def test_a_three_way_table_lists_its_rows_by_the_leading_values():
    shown = table(crosstab([("W", "01", "Q1")] * 12, [("W", "M"), ("01", "15"), ("Q1", "Q2")]), [("W", "M"), ("01", "15"), ("Q1", "Q2")])
    rows = shown.rows()
    assert [key for key, _ in rows] == list(itertools.product(("W", "M", T), ("01", "15", T)))
    assert rows[0] == (("W", "01"), [12, 0, 12])
    assert len(shown.shown) == 27


# --- Properties ----------------------------------------------------------------------------------


@st.composite
def cross_tabulations(draw):
    """(categories, counts, k): 1 to 3 dimensions of 1 to 5 categories, counts with many zeros and small values."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    categories = [tuple(f"{'abc'[dimension]}{place}" for place in range(size)) for dimension, size in enumerate(sizes)]
    keys = list(itertools.product(*categories))
    values = st.one_of(st.just(0), st.integers(1, 15), st.integers(0, 60))
    counts = dict(zip(keys, draw(st.lists(values, min_size=len(keys), max_size=len(keys))), strict=True))
    return categories, counts, draw(st.integers(2, 15))


def true_count(counts, key):
    """A cell of the augmented cube from the interior counts (TOTAL matches any value)."""
    return sum(count for inside, count in counts.items() if all(value in (TOTAL, own) for value, own in zip(key, inside, strict=True)))


def recoverable(shown: ProtectedTable):
    """The hidden cells an attacker could work out exactly from the published cells and the totals.

    Written independently of the module: a hidden cell is safe iff some change of the hidden interior
    cells keeps every published cell (interior or margin) as it is and changes that cell. Such changes y
    are the solutions of: for each published margin, the sum of y over the hidden interior cells under it
    is 0. A basis of those solutions comes from a Gaussian elimination over Fractions; a hidden interior
    cell is safe iff some basis vector moves it, a hidden margin iff some basis vector moves its sum.
    """
    hidden = shown.suppressed
    unknowns = [key for key in hidden if TOTAL not in key]
    column = {key: place for place, key in enumerate(unknowns)}

    def under(margin):
        return [column[key] for key in unknowns if all(value in (TOTAL, own) for value, own in zip(margin, key, strict=True))]

    matrix = []
    for key in shown.shown:
        if TOTAL in key and key not in hidden and under(key):
            row = [Fraction(0)] * len(unknowns)
            for place in under(key):
                row[place] = Fraction(1)
            matrix.append(row)
    # Reduced row echelon form.
    pivots = []
    rank = 0
    for place in range(len(unknowns)):
        found = next((line for line in range(rank, len(matrix)) if matrix[line][place] != 0), None)
        if found is None:
            continue
        matrix[rank], matrix[found] = matrix[found], matrix[rank]
        lead = matrix[rank][place]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for line in range(len(matrix)):
            if line != rank and matrix[line][place] != 0:
                factor = matrix[line][place]
                matrix[line] = [value - factor * pivot for value, pivot in zip(matrix[line], matrix[rank], strict=True)]
        pivots.append(place)
        rank += 1
    free = [place for place in range(len(unknowns)) if place not in pivots]
    basis = []
    for place in free:
        vector = [Fraction(0)] * len(unknowns)
        vector[place] = Fraction(1)
        for line, pivot in enumerate(pivots):
            vector[pivot] = -matrix[line][place]
        basis.append(vector)
    return {key for key in hidden if not any(sum(vector[place] for place in under(key)) != 0 for vector in basis)}


@settings(max_examples=300, deadline=None)
@given(cross_tabulations(), st.booleans())
def test_no_published_cell_is_below_k_and_no_hidden_cell_can_be_worked_out_from_the_totals(tabulation, publication):
    categories, counts, k = tabulation
    shown = table(counts, categories, k=k, publication=publication)
    assert set(shown.shown) == set(itertools.product(*((*values, TOTAL) for values in categories)))
    for key, value in shown.shown.items():
        count = true_count(counts, key)
        if 0 < count < k:
            assert value == f"<{k}"
        elif isinstance(value, int):
            assert value == (count - count % k if publication else count)
            assert value == 0 or value >= k
            if publication:
                assert value % k == 0
        else:
            assert value == COMPLEMENTARY
    assert recoverable(shown) == set()


@settings(max_examples=60, deadline=None)
@given(cross_tabulations(), st.booleans(), st.randoms(use_true_random=False))
def test_the_same_counts_in_another_order_give_the_same_table(tabulation, publication, rng: random.Random):
    categories, counts, k = tabulation
    shuffled = list(counts.items())
    rng.shuffle(shuffled)
    first = table(counts, categories, k=k, publication=publication)
    second = table(dict(shuffled), categories, k=k, publication=publication)
    assert list(first.shown.items()) == list(second.shown.items())
    assert first.rows() == second.rows()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("WMO"), st.sampled_from(["01", "15", "17"])), max_size=60))
def test_crosstab_counts_each_record_once(records):
    counts = crosstab(records, ["WMO", ("01", "15", "17")])
    assert len(counts) == 9
    assert sum(counts.values()) == len(records)
    for key, count in counts.items():
        assert count == records.count(key)


def test_quarters_are_labelled_and_counted_across_a_new_year():
    import datetime

    from casework.statistics import published, quarter_end, quarter_label, quarters_between, recent_quarters

    assert quarter_label(datetime.date(2026, 11, 23)) == "2026-Q4"
    assert quarter_end("2026-Q4") == datetime.date(2026, 12, 31)
    assert quarter_end("2027-Q1") == datetime.date(2027, 3, 31)
    assert quarters_between("2025-Q3", "2026-Q2") == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert recent_quarters(datetime.date(2026, 2, 1), 3) == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert [published(value, 11, True) for value in (27, "<11", "*", 0)] == [22, "<11", "*", 0]
    assert published(27, 11, False) == 27


def test_a_protected_table_survives_pickling_as_the_snapshots_keep_it():
    import pickle

    table = protect_table(
        {("A", "X"): 30, ("A", "Y"): 4, ("B", "X"): 12, ("B", "Y"): 25},
        dimensions=("row", "column"),
        categories=(("A", "B"), ("X", "Y")),
        k=11,
        publication=False,
    )
    kept = pickle.loads(pickle.dumps(table))  # noqa: S301 - our own bytes
    assert kept == table
    assert kept.cell("A", "Y") == "<11"
    with pytest.raises(TypeError):
        kept.shown["A", "Y"] = 4  # still read-only
