"""Age on a date and the bands derived from it (DOMAIN.md section 3). Pure: no Django.

A person's age is known from an exact date of birth, an estimated date of birth, or an estimated
age range given on a date. Bands are never typed in: they are derived here.

Birthdays on 29 February fall on 1 March in common years (the day before, the person has not yet
completed the year).
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

ADULT_AGE = 18


class RoutingBand(StrEnum):
    CHILD = "CHILD"  # 0-11, Ley 27337 art. I
    ADOLESCENT = "ADOLESCENT"  # 12-17
    YOUNG_ADULT = "YOUNG_ADULT"  # 18-20, leaving child care
    ADULT = "ADULT"  # 21-59
    OLDER_ADULT = "OLDER_ADULT"  # 60+


class PenalBand(StrEnum):
    UNDER_14 = "UNDER_14"
    AGE_14_17 = "AGE_14_17"
    ADULT = "ADULT"


# (first age of the band, band), in ascending order.
ROUTING_BANDS = (
    (0, RoutingBand.CHILD),
    (12, RoutingBand.ADOLESCENT),
    (18, RoutingBand.YOUNG_ADULT),
    (21, RoutingBand.ADULT),
    (60, RoutingBand.OLDER_ADULT),
)
PENAL_BANDS = ((0, PenalBand.UNDER_14), (14, PenalBand.AGE_14_17), (18, PenalBand.ADULT))
CTDC_BANDS = (
    (0, "0-8"),
    (9, "9-17"),
    (18, "18-20"),
    (21, "21-23"),
    (24, "24-26"),
    (27, "27-29"),
    (30, "30-38"),
    (39, "39-47"),
    (48, "48+"),
)
MINOR_BANDS = frozenset({RoutingBand.CHILD, RoutingBand.ADOLESCENT})


class AgeEvidenceError(ValueError):
    """The age information is impossible (future birth date, reversed range...).

    `code` is stable, for the caller to show a message in the user's language.
    """

    def __init__(self, code, message):
        self.code = code
        super().__init__(message)


def anniversary(start, years):
    """The date `years` after `start`; 29 February becomes 1 March in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def years_between(start, on):
    """Whole years completed from `start` to `on` (an age, if `start` is a birth date)."""
    if on < start:
        raise AgeEvidenceError("before_start", "the date is before the start")
    years = on.year - start.year
    return years if anniversary(start, years) <= on else years - 1


def _band(table, age):
    if age < 0:
        raise AgeEvidenceError("negative_age", "an age cannot be negative")
    chosen = table[0][1]
    for first_age, band in table:
        if age >= first_age:
            chosen = band
    return chosen


def routing_band(age):
    return _band(ROUTING_BANDS, age)


def penal_band(age):
    return _band(PENAL_BANDS, age)


def ctdc_band(age):
    return _band(CTDC_BANDS, age)


@dataclass(frozen=True)
class AgeEvidence:
    """What is known: a birth date (maybe estimated), or an age range estimated on a date."""

    birth_date: date | None = None
    birth_date_is_estimated: bool = False
    range_min: int | None = None
    range_max: int | None = None
    range_estimated_on: date | None = None

    def __post_init__(self):
        has_range = self.range_min is not None or self.range_max is not None
        if self.birth_date is None and not has_range:
            raise AgeEvidenceError("missing", "neither a birth date nor an estimated age range is known")
        if self.birth_date is not None and has_range:
            raise AgeEvidenceError("both", "give a birth date or an estimated age range, not both")
        if has_range:
            if self.range_min is None or self.range_max is None or self.range_estimated_on is None:
                raise AgeEvidenceError("incomplete_range", "an estimated age range needs a minimum, a maximum and the date of the estimate")
            if not 0 <= self.range_min <= self.range_max <= 120:
                raise AgeEvidenceError("reversed_range", "the estimated age range must go from a lower to a higher age, between 0 and 120")

    @property
    def is_estimated(self):
        return self.birth_date is None or self.birth_date_is_estimated

    def _reference(self):
        """A date on which the youngest plausible age is known, and that age."""
        if self.birth_date is not None:
            return self.birth_date, 0
        return self.range_estimated_on, self.range_min

    def age_range_on(self, on):
        """(youngest, oldest) plausible age on `on`."""
        start, _ = self._reference()
        if on < start:
            raise AgeEvidenceError("before_start", "the date is before the birth date or the estimate")
        elapsed = years_between(start, on)
        if self.birth_date is not None:
            return elapsed, elapsed
        return self.range_min + elapsed, self.range_max + elapsed


@dataclass(frozen=True)
class AgeAssessment:
    """What routing, team rules and schedules need to know about a person's age on a day."""

    on: date
    youngest: int
    oldest: int
    band: RoutingBand
    is_estimated: bool
    treated_as_minor: bool
    presumed_minor: bool  # estimated and may be under 18: treat as a minor, assess the age
    next_band_change: date | None


def assess(evidence, on):
    """Assess the age on `on`. The youngest plausible age decides (presumption of minority)."""
    if evidence.birth_date is not None and evidence.birth_date > on:
        raise AgeEvidenceError("future_birth_date", "the birth date is in the future")
    if evidence.range_estimated_on is not None and evidence.range_estimated_on > on:
        raise AgeEvidenceError("future_estimate", "the estimate is dated in the future")
    youngest, oldest = evidence.age_range_on(on)
    minor = youngest < ADULT_AGE
    return AgeAssessment(
        on=on,
        youngest=youngest,
        oldest=oldest,
        band=routing_band(youngest),
        is_estimated=evidence.is_estimated,
        treated_as_minor=minor,
        presumed_minor=minor and evidence.is_estimated,
        next_band_change=next_band_change(evidence, on),
    )


def next_band_change(evidence, on):
    """The first day after `on` on which the routing band (by the youngest age) changes."""
    start, age_at_start = evidence._reference()
    youngest, _ = evidence.age_range_on(on)
    for first_age, _band_name in ROUTING_BANDS:
        if first_age > youngest:
            return anniversary(start, first_age - age_at_start)
    return None


def adult_on(evidence):
    """The day the youngest plausible age reaches 18: the 18th birthday, or its estimate (may be past)."""
    start, age_at_start = evidence._reference()
    return anniversary(start, ADULT_AGE - age_at_start)


def month_of(day):
    """The first day of the month of `day`: what is stored in plaintext instead of the day."""
    return None if day is None else day.replace(day=1)
