"""Small counts never published, and never recoverable from a published total (DOMAIN.md section 13)."""

from hypothesis import given
from hypothesis import strategies as st

from casework.statistics import COMPLEMENTARY, protect, small_count

K = 11


def test_counts_from_1_to_10_are_shown_as_below_11_and_0_and_11_as_they_are():
    assert [small_count(count, K) for count in (0, 1, 10, 11, 40)] == [0, "<11", "<11", 11, 40]


def test_a_lone_hidden_cell_gets_the_smallest_other_cell_hidden_with_it():
    shown = protect({"Lima": 30, "Cusco": 12, "Puno": 3}, k=K)
    assert shown == {"Lima": 30, "Cusco": COMPLEMENTARY, "Puno": "<11"}


def test_two_hidden_cells_protect_each_other():
    assert protect({"Lima": 30, "Cusco": 2, "Puno": 3}, k=K) == {"Lima": 30, "Cusco": "<11", "Puno": "<11"}


def test_a_total_itself_below_k_needs_no_partner():
    assert protect({"Lima": 0, "Puno": 3}, k=K) == {"Lima": 0, "Puno": "<11"}


@given(st.dictionaries(st.sampled_from(["01", "08", "15", "16", "17", "21", "25"]), st.integers(0, 40), max_size=7))
def test_no_small_count_is_published_and_none_can_be_worked_out_from_the_total(counts):
    shown = protect(counts, k=K)
    assert set(shown) == set(counts)
    for key, value in shown.items():
        if isinstance(value, int):
            assert value == counts[key]
            assert not 0 < value < K
    hidden = [key for key, value in shown.items() if not isinstance(value, int)]
    if sum(counts.values()) >= K:
        assert len(hidden) != 1, "total minus the shown cells would give the one hidden cell"
