"""Follow-up visit plans: followup/schedule.py, pure (no database).

Most tests plan from an exit from care on 31 January 2026, so that short months clamp the due dates.
"""

from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.age import anniversary
from followup.schedule import (
    PlannedVisit,
    ReminderKind,
    Schedule,
    ScheduleError,
    ToleranceRule,
    Track,
    WindowState,
    add_months,
    earliest_closure,
    escalation_due,
    plan_visits,
    reminder_step,
    unscheduled_visit_due,
    window_state,
)

EXIT = date(2026, 1, 31)
DEFAULT = Schedule()
MINOR, ADULT = Track.MINOR, Track.ADULT


def visit(offset, track, due, tolerance):
    return PlannedVisit(offset, track, due, due - timedelta(days=tolerance), due + timedelta(days=tolerance))


def offsets(plan):
    return [(item.track, item.offset_months) for item in plan]


# --- Month arithmetic -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "later"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 10), 0, date(2026, 1, 10)),
    ],
)
def test_months_are_calendar_months_clamped_to_the_end_of_a_shorter_month(day, months, later):
    assert add_months(day, months) == later


# --- The default plans ----------------------------------------------------------------------------


def test_a_minor_is_visited_at_1_3_6_9_12_18_and_24_months_after_exit():
    assert plan_visits(exit_date=EXIT, schedule=DEFAULT, adult_from=date(2030, 5, 1)) == (
        visit(1, MINOR, date(2026, 2, 28), 7),
        visit(3, MINOR, date(2026, 4, 30), 14),
        visit(6, MINOR, date(2026, 7, 31), 14),
        visit(9, MINOR, date(2026, 10, 31), 30),
        visit(12, MINOR, date(2027, 1, 31), 30),
        visit(18, MINOR, date(2027, 7, 31), 30),
        visit(24, MINOR, date(2028, 1, 31), 30),
    )


def test_an_adult_is_visited_at_1_3_6_12_and_24_months_after_exit():
    assert plan_visits(exit_date=EXIT, schedule=DEFAULT, adult_from=None) == (
        visit(1, ADULT, date(2026, 2, 28), 7),
        visit(3, ADULT, date(2026, 4, 30), 14),
        visit(6, ADULT, date(2026, 7, 31), 14),
        visit(12, ADULT, date(2027, 1, 31), 30),
        visit(24, ADULT, date(2028, 1, 31), 30),
    )


def test_the_windows_are_7_days_either_side_at_1_month_14_at_3_to_6_months_and_30_from_9_months():
    plan = plan_visits(exit_date=EXIT, schedule=DEFAULT, adult_from=date(2030, 5, 1))
    assert [(item.offset_months, item.window_opens, item.window_closes) for item in plan] == [
        (1, date(2026, 2, 21), date(2026, 3, 7)),
        (3, date(2026, 4, 16), date(2026, 5, 14)),
        (6, date(2026, 7, 17), date(2026, 8, 14)),
        (9, date(2026, 10, 1), date(2026, 11, 30)),
        (12, date(2027, 1, 1), date(2027, 3, 2)),
        (18, date(2027, 7, 1), date(2027, 8, 30)),
        (24, date(2028, 1, 1), date(2028, 3, 1)),  # 2028 is a leap year
    ]


@pytest.mark.parametrize(("offset", "days"), [(1, 7), (2, 14), (3, 14), (6, 14), (7, 30), (9, 30), (24, 30), (60, 30)])
def test_the_first_tolerance_rule_that_reaches_the_offset_decides(offset, days):
    assert DEFAULT.tolerance_days(offset) == days


# --- Turning 18 -----------------------------------------------------------------------------------


def test_a_minor_turning_18_ten_months_after_exit_has_minor_visits_to_9_months_then_adult_visits_at_12_and_24():
    plan = plan_visits(exit_date=EXIT, schedule=DEFAULT, adult_from=date(2026, 11, 30))
    assert offsets(plan) == [(MINOR, 1), (MINOR, 3), (MINOR, 6), (MINOR, 9), (ADULT, 12), (ADULT, 24)]
    assert [item.due for item in plan][-2:] == [date(2027, 1, 31), date(2028, 1, 31)]


def test_a_minor_turning_18_after_the_last_minor_visit_keeps_the_whole_minor_plan():
    plan = plan_visits(exit_date=EXIT, schedule=DEFAULT, adult_from=date(2028, 2, 1))
    assert offsets(plan) == [(MINOR, offset) for offset in (1, 3, 6, 9, 12, 18, 24)]


def test_a_visit_due_on_the_18th_birthday_follows_the_adult_track():
    plan = plan_visits(exit_date=EXIT, schedule=DEFAULT, adult_from=date(2028, 1, 31))
    assert offsets(plan)[-1] == (ADULT, 24)
    assert len(plan) == 7


@pytest.mark.parametrize("adult_from", [None, date(2025, 6, 1), EXIT])
def test_someone_adult_at_exit_is_on_the_adult_track_from_the_start(adult_from):
    plan = plan_visits(exit_date=EXIT, schedule=DEFAULT, adult_from=adult_from)
    assert offsets(plan) == [(ADULT, offset) for offset in (1, 3, 6, 12, 24)]


@pytest.mark.parametrize(
    ("exit_date", "planned"),
    [
        # The visit due on 28 February 2026 is still a minor's: she turns 18 on 1 March.
        (date(2025, 11, 28), [(MINOR, 1, date(2025, 12, 28)), (MINOR, 3, date(2026, 2, 28)), (ADULT, 6, date(2026, 5, 28))]),
        # The visit due on 1 March 2026 is an adult's.
        (date(2025, 12, 1), [(MINOR, 1, date(2026, 1, 1)), (ADULT, 3, date(2026, 3, 1)), (ADULT, 6, date(2026, 6, 1))]),
    ],
)
def test_someone_born_on_29_february_turns_18_on_1_march_in_a_common_year(exit_date, planned):
    adult_from = anniversary(date(2008, 2, 29), 18)
    assert adult_from == date(2026, 3, 1)
    plan = plan_visits(exit_date=exit_date, schedule=DEFAULT, adult_from=adult_from)
    assert [(item.track, item.offset_months, item.due) for item in plan][:3] == planned
    assert offsets(plan)[3:] == [(ADULT, 12), (ADULT, 24)]


def test_a_schedule_from_the_app_changes_the_offsets_and_windows():
    schedule = Schedule(minor_offsets=[2, 4], adult_offsets=[4, 8], tolerance=[ToleranceRule(None, 3)])
    assert schedule.minor_offsets == (2, 4)  # stored lists come back as tuples
    plan = plan_visits(exit_date=EXIT, schedule=schedule, adult_from=date(2026, 4, 15))
    assert plan == (visit(2, MINOR, date(2026, 3, 31), 3), visit(4, ADULT, date(2026, 5, 31), 3), visit(8, ADULT, date(2026, 9, 30), 3))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"minor_offsets": (0, 3)}, "offset_not_after_exit"),
        ({"adult_offsets": (1, 3, 3)}, "repeated_offset"),
        ({"tolerance": (ToleranceRule(6, 14),)}, "no_tolerance"),
        ({"tolerance": (ToleranceRule(None, -1),)}, "negative_tolerance"),
        ({"unscheduled_within_days": -1}, "negative_unscheduled"),
    ],
)
def test_an_impossible_schedule_is_refused_with_a_stable_code(changes, code):
    with pytest.raises(ScheduleError) as raised:
        replace(DEFAULT, **changes)
    assert raised.value.code == code


# --- Windows, reminders, escalation, closure ------------------------------------------------------

ONE_MONTH = visit(1, MINOR, date(2026, 2, 28), 7)  # open 21 February to 7 March


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 2, 13), "LATER"),  # 8 days before the window opens
        (date(2026, 2, 14), "UPCOMING"),  # 7 days before
        (date(2026, 2, 20), "UPCOMING"),  # the day before it opens
        (date(2026, 2, 21), "OPEN"),  # the day it opens
        (date(2026, 2, 28), "OPEN"),  # due
        (date(2026, 3, 7), "OPEN"),  # the day it closes
        (date(2026, 3, 8), "OVERDUE"),  # the day after
    ],
)
def test_the_window_state_at_each_boundary(today, state):
    assert window_state(ONE_MONTH, today) == state
    assert isinstance(window_state(ONE_MONTH, today), str)


def test_the_upcoming_reminder_can_start_earlier():
    assert window_state(ONE_MONTH, date(2026, 2, 7), upcoming_days=14) == WindowState.UPCOMING
    assert window_state(ONE_MONTH, date(2026, 2, 6), upcoming_days=14) == WindowState.LATER


def test_an_unmade_visit_is_escalated_14_days_after_it_became_overdue():
    assert escalation_due(ONE_MONTH) == date(2026, 3, 22)
    assert escalation_due(ONE_MONTH, after_overdue_days=30) == date(2026, 4, 7)


def test_an_unscheduled_visit_is_due_7_days_after_a_risk_event():
    assert unscheduled_visit_due(date(2026, 3, 28), DEFAULT) == date(2026, 4, 4)
    assert unscheduled_visit_due(date(2026, 3, 28), replace(DEFAULT, unscheduled_within_days=3)) == date(2026, 3, 31)


def test_a_case_may_close_24_months_after_exit_for_a_minor_and_12_for_an_adult():
    assert earliest_closure(exit_date=EXIT, minor=True) == date(2028, 1, 31)
    assert earliest_closure(exit_date=EXIT, minor=False) == date(2027, 1, 31)
    assert earliest_closure(exit_date=date(2024, 2, 29), minor=False) == date(2025, 2, 28)


# --- Properties -----------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)
exit_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
track_offsets = st.lists(st.integers(min_value=1, max_value=60), max_size=8, unique=True)


@st.composite
def tolerances(draw):
    limits = sorted(draw(st.lists(st.integers(min_value=1, max_value=30), max_size=3, unique=True)))
    days = st.integers(min_value=0, max_value=45)
    return (*(ToleranceRule(limit, draw(days)) for limit in limits), ToleranceRule(None, draw(days)))


schedules = st.one_of(
    st.just(DEFAULT),
    st.builds(Schedule, minor_offsets=track_offsets, adult_offsets=track_offsets, tolerance=tolerances()),
)


@st.composite
def exits_and_birthdays(draw):
    """An exit from care and an 18th birthday from two years before it to three after (or None: an adult)."""
    exit_date = draw(exit_dates)
    shift = draw(st.one_of(st.none(), st.integers(min_value=-730, max_value=1100)))
    return exit_date, None if shift is None else exit_date + timedelta(days=shift)


@PROPERTY
@given(dates=exits_and_birthdays(), schedule=schedules)
def test_the_plan_is_sorted_by_due_date_with_no_offset_twice(dates, schedule):
    exit_date, adult_from = dates
    plan = plan_visits(exit_date=exit_date, schedule=schedule, adult_from=adult_from)
    dues = [item.due for item in plan]
    assert all(earlier < later for earlier, later in pairwise(dues))
    assert all(item.due > exit_date for item in plan)
    for track in Track:
        on_track = [item.offset_months for item in plan if item.track == track]
        assert len(on_track) == len(set(on_track))
    assert len({item.offset_months for item in plan}) == len(plan)


@PROPERTY
@given(dates=exits_and_birthdays(), schedule=schedules)
def test_every_window_contains_its_due_date(dates, schedule):
    exit_date, adult_from = dates
    for item in plan_visits(exit_date=exit_date, schedule=schedule, adult_from=adult_from):
        assert item.window_opens <= item.due <= item.window_closes
        assert item.due - item.window_opens == item.window_closes - item.due == timedelta(days=schedule.tolerance_days(item.offset_months))
        assert item.due == add_months(exit_date, item.offset_months)
        assert window_state(item, item.due) == WindowState.OPEN


@PROPERTY
@given(dates=exits_and_birthdays(), schedule=schedules)
def test_minor_visits_come_before_the_18th_birthday_and_adult_visits_on_or_after_it(dates, schedule):
    exit_date, adult_from = dates
    plan = plan_visits(exit_date=exit_date, schedule=schedule, adult_from=adult_from)
    if adult_from is None:
        assert all(item.track == ADULT for item in plan)
        return
    assert all(item.due < adult_from for item in plan if item.track == MINOR)
    assert all(item.due >= adult_from for item in plan if item.track == ADULT)
    # Nothing is left out: every offset of a track in its own period is planned.
    expected = {(MINOR, offset) for offset in schedule.minor_offsets if add_months(exit_date, offset) < adult_from}
    expected |= {(ADULT, offset) for offset in schedule.adult_offsets if add_months(exit_date, offset) >= adult_from}
    assert set(offsets(plan)) == expected


@PROPERTY
@given(dates=exits_and_birthdays(), schedule=schedules)
def test_the_same_exit_birthday_and_schedule_always_give_the_same_plan(dates, schedule):
    exit_date, adult_from = dates
    first = plan_visits(exit_date=exit_date, schedule=schedule, adult_from=adult_from)
    stored = Schedule(
        minor_offsets=list(schedule.minor_offsets),
        adult_offsets=list(schedule.adult_offsets),
        tolerance=list(schedule.tolerance),
        unscheduled_within_days=schedule.unscheduled_within_days,
    )
    assert plan_visits(exit_date=exit_date, schedule=stored, adult_from=adult_from) == first
    assert plan_visits(exit_date=exit_date, schedule=schedule, adult_from=adult_from) == first


@PROPERTY
@given(day=exit_dates, months=st.integers(min_value=-120, max_value=120))
def test_adding_months_lands_in_the_right_month_on_the_same_day_or_the_month_end(day, months):
    later = add_months(day, months)
    assert later.year * 12 + later.month == day.year * 12 + day.month + months
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)


# --- Reminder stages ------------------------------------------------------------------------
# ONE_MONTH: window 21 Feb - 7 Mar 2026. Upcoming 14 Feb, due 21 Feb, overdue 8 Mar, escalation 22 Mar.


@pytest.mark.parametrize(
    ("reached", "today", "send", "now_reached", "next_on"),
    [
        (0, date(2026, 2, 13), (), 0, date(2026, 2, 14)),
        (0, date(2026, 2, 14), (ReminderKind.UPCOMING,), 1, date(2026, 2, 21)),
        (1, date(2026, 2, 20), (), 1, date(2026, 2, 21)),
        (1, date(2026, 2, 21), (ReminderKind.DUE,), 2, date(2026, 3, 8)),
        (2, date(2026, 3, 8), (ReminderKind.OVERDUE,), 3, date(2026, 3, 22)),
        (3, date(2026, 3, 22), (ReminderKind.ESCALATION,), 4, None),
        (4, date(2027, 1, 1), (), 4, None),
    ],
)
def test_each_reminder_stage_falls_due_on_its_day(reached, today, send, now_reached, next_on):
    step = reminder_step(ONE_MONTH, reached=reached, today=today)
    assert (step.send, step.reached, step.next_on) == (send, now_reached, next_on)


def test_stages_missed_while_nothing_ran_tell_the_team_only_the_latest():
    assert reminder_step(ONE_MONTH, reached=0, today=date(2026, 3, 10)).send == (ReminderKind.OVERDUE,)
    late = reminder_step(ONE_MONTH, reached=0, today=date(2026, 4, 1))
    assert late.send == (ReminderKind.OVERDUE, ReminderKind.ESCALATION)
    assert late.next_on is None


@given(
    opens=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    width=st.integers(min_value=0, max_value=60),
    days=st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=8),
)
def test_stepping_day_by_day_sends_each_stage_once_and_in_order(opens, width, days):
    visit = PlannedVisit(offset_months=1, track=Track.ADULT, due=opens, window_opens=opens, window_closes=opens + timedelta(days=width))
    reached, sent, today = 0, [], opens - timedelta(days=10)
    for step_days in sorted(days):
        today = opens - timedelta(days=10) + timedelta(days=step_days)
        step = reminder_step(visit, reached=reached, today=today)
        assert step.reached >= reached
        sent.extend(step.send)
        reached = step.reached
    assert len(sent) == len(set(sent)), "a stage was sent twice"
    assert sent == sorted(sent, key=list(ReminderKind).index)
    if today >= escalation_due(visit):
        assert ReminderKind.ESCALATION in sent
        assert ReminderKind.OVERDUE in sent
