"""Age on a date and the bands derived from it: casework/age.py, pure."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from casework.age import (
    AgeEvidence,
    AgeEvidenceError,
    PenalBand,
    RoutingBand,
    adult_on,
    anniversary,
    assess,
    ctdc_band,
    month_of,
    penal_band,
    routing_band,
    years_between,
)

BORN = date(2008, 6, 15)
dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2090, 12, 31))


def test_the_day_before_the_18th_birthday_is_still_a_minor():
    assessment = assess(AgeEvidence(birth_date=BORN), date(2026, 6, 14))
    assert (assessment.youngest, assessment.band, assessment.treated_as_minor) == (17, RoutingBand.ADOLESCENT, True)


def test_on_the_18th_birthday_the_person_is_a_young_adult():
    assessment = assess(AgeEvidence(birth_date=BORN), date(2026, 6, 15))
    assert (assessment.youngest, assessment.band, assessment.treated_as_minor) == (18, RoutingBand.YOUNG_ADULT, False)


def test_someone_born_on_29_february_completes_the_year_on_1_march_in_a_common_year():
    born = date(2008, 2, 29)
    assert years_between(born, date(2026, 2, 28)) == 17
    assert years_between(born, date(2026, 3, 1)) == 18
    assert years_between(born, date(2028, 2, 29)) == 20


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, RoutingBand.CHILD),
        (11, RoutingBand.CHILD),
        (12, RoutingBand.ADOLESCENT),
        (17, RoutingBand.ADOLESCENT),
        (18, RoutingBand.YOUNG_ADULT),
        (20, RoutingBand.YOUNG_ADULT),
        (21, RoutingBand.ADULT),
        (59, RoutingBand.ADULT),
        (60, RoutingBand.OLDER_ADULT),
        (104, RoutingBand.OLDER_ADULT),
    ],
)
def test_routing_bands_follow_peruvian_law(age, band):
    assert routing_band(age) == band


@pytest.mark.parametrize(
    ("age", "band"), [(13, PenalBand.UNDER_14), (14, PenalBand.AGE_14_17), (17, PenalBand.AGE_14_17), (18, PenalBand.ADULT)]
)
def test_penal_bands_for_ley_31146(age, band):
    assert penal_band(age) == band


@pytest.mark.parametrize(("age", "band"), [(8, "0-8"), (9, "9-17"), (17, "9-17"), (18, "18-20"), (29, "27-29"), (47, "39-47"), (48, "48+")])
def test_ctdc_export_bands(age, band):
    assert ctdc_band(age) == band


def test_an_estimated_range_that_may_be_under_18_is_presumed_minor():
    evidence = AgeEvidence(range_min=16, range_max=19, range_estimated_on=date(2026, 3, 1))
    assessment = assess(evidence, date(2026, 3, 1))
    assert assessment.presumed_minor
    assert assessment.treated_as_minor
    assert assessment.band == RoutingBand.ADOLESCENT
    assert (assessment.youngest, assessment.oldest) == (16, 19)


def test_an_estimated_range_ages_with_time():
    evidence = AgeEvidence(range_min=16, range_max=19, range_estimated_on=date(2026, 3, 1))
    assessment = assess(evidence, date(2028, 3, 1))
    assert (assessment.youngest, assessment.oldest) == (18, 21)
    assert not assessment.presumed_minor
    assert assessment.band == RoutingBand.YOUNG_ADULT


def test_an_adult_range_is_not_presumed_minor():
    assessment = assess(AgeEvidence(range_min=25, range_max=35, range_estimated_on=date(2026, 1, 1)), date(2026, 5, 1))
    assert not assessment.presumed_minor
    assert assessment.band == RoutingBand.ADULT


def test_an_estimated_birth_date_under_18_is_presumed_minor_but_an_exact_one_is_not():
    born = date(2010, 1, 1)
    assert assess(AgeEvidence(birth_date=born, birth_date_is_estimated=True), date(2026, 1, 1)).presumed_minor
    assert not assess(AgeEvidence(birth_date=born), date(2026, 1, 1)).presumed_minor


def test_the_next_band_change_is_the_next_band_birthday():
    assert assess(AgeEvidence(birth_date=BORN), date(2026, 1, 1)).next_band_change == date(2026, 6, 15)
    assert assess(AgeEvidence(birth_date=BORN), date(2026, 6, 15)).next_band_change == date(2029, 6, 15)


def test_older_adults_have_no_next_band_change():
    assert assess(AgeEvidence(birth_date=date(1950, 1, 1)), date(2026, 1, 1)).next_band_change is None


def test_only_the_month_of_the_change_is_kept():
    assert month_of(date(2026, 6, 15)) == date(2026, 6, 1)
    assert month_of(None) is None


@pytest.mark.parametrize(
    ("evidence", "code"),
    [
        ({}, "missing"),
        ({"birth_date": BORN, "range_min": 1, "range_max": 2, "range_estimated_on": BORN}, "both"),
        ({"range_min": 15, "range_max": 12, "range_estimated_on": BORN}, "reversed_range"),
        ({"range_min": 15, "range_max": 17}, "incomplete_range"),
        ({"range_min": -1, "range_max": 17, "range_estimated_on": BORN}, "reversed_range"),
    ],
)
def test_impossible_evidence_is_refused_with_a_code(evidence, code):
    with pytest.raises(AgeEvidenceError) as raised:
        AgeEvidence(**evidence)
    assert raised.value.code == code


def test_a_future_birth_date_is_refused():
    with pytest.raises(AgeEvidenceError) as raised:
        assess(AgeEvidence(birth_date=date(2030, 1, 1)), date(2026, 1, 1))
    assert raised.value.code == "future_birth_date"


@given(born=dates, on=dates)
def test_the_age_is_the_number_of_birthdays_passed(born, on):
    assume(born <= on)
    age = years_between(born, on)
    assert anniversary(born, age) <= on
    assert anniversary(born, age + 1) > on


@given(born=dates, on=dates)
def test_the_band_never_changes_before_the_announced_date(born, on):
    assume(born <= on)
    assessment = assess(AgeEvidence(birth_date=born), on)
    change = assessment.next_band_change
    if change is None:
        assert assessment.band == RoutingBand.OLDER_ADULT
        return
    assert change > on
    assert assess(AgeEvidence(birth_date=born), change - timedelta(days=1)).band == assessment.band
    assert assess(AgeEvidence(birth_date=born), change).band != assessment.band


@given(
    low=st.integers(min_value=0, max_value=80),
    spread=st.integers(min_value=0, max_value=20),
    estimated_on=dates,
    later=st.integers(min_value=0, max_value=30 * 365),
)
def test_an_estimate_that_may_be_under_18_is_always_treated_as_a_minor(low, spread, estimated_on, later):
    on = estimated_on + timedelta(days=later)
    assume(on <= date(2099, 1, 1))
    assessment = assess(AgeEvidence(range_min=low, range_max=low + spread, range_estimated_on=estimated_on), on)
    assert assessment.youngest <= assessment.oldest
    if assessment.youngest < 18:
        assert assessment.presumed_minor
        assert assessment.treated_as_minor
        assert assessment.band in {RoutingBand.CHILD, RoutingBand.ADOLESCENT}
    else:
        assert not assessment.presumed_minor


def test_the_day_someone_becomes_an_adult_is_their_18th_birthday_or_its_estimate():
    assert adult_on(AgeEvidence(birth_date=date(2008, 12, 10))) == date(2026, 12, 10)
    assert adult_on(AgeEvidence(birth_date=date(2008, 2, 29))) == date(2026, 3, 1)
    # Estimated 15 to 17 on 1 June 2025: the youngest reaches 18 three years later.
    assert adult_on(AgeEvidence(range_min=15, range_max=17, range_estimated_on=date(2025, 6, 1))) == date(2028, 6, 1)
