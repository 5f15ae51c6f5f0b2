"""Follow-up visit plans after exit from care (DOMAIN.md section 8). Pure: no Django.

E is the exit from care. Minors are visited at E + 1, 3, 6, 9, 12, 18, 24 months and adults at
E + 1, 3, 6, 12, 24 months; each visit is due on the same day N calendar months after E (clamped to
the end of a shorter month) and may happen within a tolerance window around that day. A minor's plan
continues with the adult schedule from the 18th birthday: the caller works that day out (for a
29 February birthday, 1 March in a common year: `casework.age.anniversary`) and passes it in.

The schedule is data (the app stores it); `Schedule()` holds the defaults.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

MINOR_CLOSURE_MONTHS = 24
ADULT_CLOSURE_MONTHS = 12


class ScheduleError(ValueError):
    """The schedule is impossible (an offset that is not after E, one no tolerance rule covers...).

    `code` is stable, for the caller to show a message in the user's language.
    """

    def __init__(self, code, message):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class ToleranceRule:
    """Visits at offsets up to `up_to_months` (any later offset when None) are due +- `days`."""

    up_to_months: int | None
    days: int


@dataclass(frozen=True)
class Schedule:
    minor_offsets: tuple[int, ...] = (1, 3, 6, 9, 12, 18, 24)  # months after E
    adult_offsets: tuple[int, ...] = (1, 3, 6, 12, 24)
    tolerance: tuple[ToleranceRule, ...] = (ToleranceRule(1, 7), ToleranceRule(6, 14), ToleranceRule(None, 30))
    unscheduled_within_days: int = 7  # after a risk event

    def __post_init__(self):
        # Stored data may come back as lists: keep the schedule hashable and immutable.
        for name in ("minor_offsets", "adult_offsets", "tolerance"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for offsets in (self.minor_offsets, self.adult_offsets):
            if any(offset < 1 for offset in offsets):
                raise ScheduleError("offset_not_after_exit", "every visit is at least one month after the exit from care")
            if len(set(offsets)) != len(offsets):
                raise ScheduleError("repeated_offset", "a track cannot have two visits at the same offset")
        if any(rule.days < 0 for rule in self.tolerance):
            raise ScheduleError("negative_tolerance", "a tolerance window cannot be negative")
        if self.unscheduled_within_days < 0:
            raise ScheduleError("negative_unscheduled", "the unscheduled visit cannot be due before the risk event")
        for offset in (*self.minor_offsets, *self.adult_offsets):
            self.tolerance_days(offset)

    def tolerance_days(self, offset_months):
        """The +- days of the first rule whose `up_to_months` is at least the offset (None matches every offset)."""
        for rule in self.tolerance:
            if rule.up_to_months is None or offset_months <= rule.up_to_months:
                return rule.days
        raise ScheduleError("no_tolerance", f"no tolerance rule covers a visit {offset_months} months after exit")


class Track(StrEnum):
    MINOR = "MINOR"
    ADULT = "ADULT"


class WindowState(StrEnum):
    LATER = "LATER"  # more than `upcoming_days` before the window opens
    UPCOMING = "UPCOMING"  # within `upcoming_days` before it opens: the first reminder
    OPEN = "OPEN"  # window_opens <= today <= window_closes
    OVERDUE = "OVERDUE"  # the window has closed


@dataclass(frozen=True)
class PlannedVisit:
    offset_months: int
    track: Track
    due: date
    window_opens: date  # due - tolerance
    window_closes: date  # due + tolerance


def add_months(day, months):
    """The same day `months` calendar months later, clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _visit(exit_date, schedule, offset, track):
    due = add_months(exit_date, offset)
    tolerance = timedelta(days=schedule.tolerance_days(offset))
    return PlannedVisit(offset_months=offset, track=track, due=due, window_opens=due - tolerance, window_closes=due + tolerance)


def plan_visits(*, exit_date, schedule, adult_from):
    """The visits after exit from care, sorted by due date.

    `adult_from` is the 18th birthday, or None for someone already an adult at exit. Minor-track
    visits due before it are kept; from it on, the adult track's visits due on or after it. Both
    tracks count from E, so an offset on both tracks has one due date and is planned once. When
    `adult_from` is on or before E the whole plan is the adult track.
    """
    if adult_from is None or adult_from <= exit_date:
        adult_from = exit_date
    minor = [_visit(exit_date, schedule, offset, Track.MINOR) for offset in schedule.minor_offsets]
    adult = [_visit(exit_date, schedule, offset, Track.ADULT) for offset in schedule.adult_offsets]
    visits = [visit for visit in minor if visit.due < adult_from] + [visit for visit in adult if visit.due >= adult_from]
    return tuple(sorted(visits, key=lambda visit: visit.due))


def unscheduled_visit_due(event_day, schedule):
    """The day by which an unscheduled visit is due after a risk event is recorded."""
    return event_day + timedelta(days=schedule.unscheduled_within_days)


def window_state(visit, today, *, upcoming_days=7):
    """Where `today` falls against the visit's window (a WindowState, which is a str)."""
    if today > visit.window_closes:
        return WindowState.OVERDUE
    if today >= visit.window_opens:
        return WindowState.OPEN
    if today >= visit.window_opens - timedelta(days=upcoming_days):
        return WindowState.UPCOMING
    return WindowState.LATER


def overdue_on(visit):
    """The first day a visit is overdue: the day after its window closes."""
    return visit.window_closes + timedelta(days=1)


def escalation_due(visit, *, after_overdue_days=14):
    """The day an unmade visit is escalated to the supervisor: `after_overdue_days` after it became overdue."""
    return overdue_on(visit) + timedelta(days=after_overdue_days)


class ReminderKind(StrEnum):
    UPCOMING = "UPCOMING"  # to the team, `upcoming_days` before the window opens
    DUE = "DUE"  # to the team, when the window opens
    OVERDUE = "OVERDUE"  # to the team, when the window has closed
    ESCALATION = "ESCALATION"  # to the office's supervisors, some days after overdue
    URGENT = "URGENT"  # to the team and supervisors, when a visit records a high risk (not a stage)


STAGES = (ReminderKind.UPCOMING, ReminderKind.DUE, ReminderKind.OVERDUE, ReminderKind.ESCALATION)
TEAM_KINDS = frozenset({ReminderKind.UPCOMING, ReminderKind.DUE, ReminderKind.OVERDUE})


def stage_dates(visit, *, upcoming_days=7, after_overdue_days=14):
    """The day each reminder stage of a planned visit falls due, in stage order."""
    return (
        visit.window_opens - timedelta(days=upcoming_days),
        visit.window_opens,
        overdue_on(visit),
        escalation_due(visit, after_overdue_days=after_overdue_days),
    )


@dataclass(frozen=True)
class ReminderStep:
    send: tuple[ReminderKind, ...]  # what to send now
    reached: int  # stages passed after this step (0 to 4)
    next_on: date | None  # the day the next stage falls due; None when all have passed


def reminder_step(visit, *, reached, today, upcoming_days=7, after_overdue_days=14):
    """The reminders of a planned visit due on `today`, given the `reached` stages already passed.

    Stages missed while nothing ran (a server down for days, a plan started late) collapse: the team
    is told only the latest of upcoming, due and overdue, since an earlier one would be stale;
    the supervisors' escalation goes out whenever it has been reached.
    """
    days = stage_dates(visit, upcoming_days=upcoming_days, after_overdue_days=after_overdue_days)
    now_reached = reached
    while now_reached < len(STAGES) and days[now_reached] <= today:
        now_reached += 1
    passed = STAGES[reached:now_reached]
    team = [kind for kind in passed if kind in TEAM_KINDS]
    send = tuple(team[-1:]) + tuple(kind for kind in passed if kind not in TEAM_KINDS)
    return ReminderStep(send=send, reached=now_reached, next_on=days[now_reached] if now_reached < len(STAGES) else None)


def earliest_closure(*, exit_date, minor):
    """The earliest day a case may be closed: minors 24 months after E, adults 12 months after E."""
    return add_months(exit_date, MINOR_CLOSURE_MONTHS if minor else ADULT_CLOSURE_MONTHS)
