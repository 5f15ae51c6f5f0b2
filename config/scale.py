"""A synthetic world at scale: `manage.py seed_scale`, the benchmarks (bench/reports.py,
bench/pages.py) and the query-count tests share this one generator.

The world (fictional, from a seeded generator): 25 offices (one per region, codes QAA, QAB, ...),
80 caseworkers per office with staff profiles (gender, one discipline, sector, training date,
caseload cap from 15 to 30; 3% inactive), a supervisor per office, a national supervisor who
supervises all 25, and an auditor. 100,000 cases opened over the 8 quarters the indicators page
shows, in offices drawn at random; each with a person (age band: 40% minors, gender: mostly women;
every age band present, however small the world), a status that depends on the case's age (recent
cases in intake and assistance, older ones in follow-up or closed), 85% consenting to statistics.
Most cases have a team of 3 or 4 staff of their office with one lead (TeamMember rows), 15% of
the teams break one or two rules in `team_breaks` (shaped as casework.staffing writes it,
{"rule": code, "missing": {...}}), and the solver's proposal is recorded (TeamProposal, the failed
ones naming the rules). Cases past reintegration planning have a follow-up plan with the default
schedule (7 visits for minors, 5 for adults) from their exit from care; unscheduled visits (after a
risk event) make up the rest of 5 visits per case on average, 500,000 in all. Visits whose window
closed are mostly DONE with a FINAL VisitRecord (15% of them late), some MISSED, some still PLANNED
(overdue), a few DONE with a draft record or cancelled; open windows are partly done; future ones
planned (cancelled for closed cases). 3% of records say HIGH risk, a few re-exploitation. About one
referral per case (0 to 3) to a catalogue of 200 services, in every status; half of the overdue
visits of open cases escalated to the office's supervisor (Reminder rows); a pending review for 1%
of open cases; 5,000 service gaps. Encrypted fields are sealed by bulk_create in batches of cases
(CHUNK, one transaction each). Staff are scaled down with the cases (80 per office for 100,000
cases, never fewer than 4); `office_count` keeps only the first offices (tests). On PostgreSQL the
database is then VACUUM ANALYZEd, as autovacuum would have done.

That base world is what the report pages read (bench/reports.py measures it). With
`complete=True` (seed_scale, bench/pages.py, the query-count tests) the world is also one that
people can sign in to and work in, as the app's own services would have left it:
- persons with names, a document, a phone, languages and the evidence of their age (a birth date
  inside their band, or for 10% of adolescents an estimated age range: presumed minors), the
  plaintext age columns derived from it as casework.age does, and their blind-index search tokens
  (casework.search.tokens_for), so search finds them;
- guardian's view and change permissions on each case for its team, or, without a team, for the
  caseworker who took the intake (so the caseworkers' lists, the case files and the reminder
  recipients work);
- the case's forms of exploitation, needs (those referred and a few more), intake sections, a
  consent record matching `in_statistics` (minors with their assent and a guardian's consent),
  0 to 2 encrypted case notes, and the offices' reference counters (the next case opened goes on
  numbering);
- each planned visit's reminder-sweep state (stages passed, next reminder) as the sweep leaves it
  at the start of today, and each case's next_visit_on;
- a few access events per case (opened, intake completed, the case file and the follow-up read by
  the team), in time order, appended to the hash chain in batches as casework.audit would
  (`manage.py verify_access_log` passes).
They come from a second random stream, so the base world is the same with or without them.
"""

# ruff: noqa: S311 - random draws a synthetic world, it protects nothing

import datetime
import random
import uuid
from collections import Counter, defaultdict
from itertools import islice
from operator import itemgetter

from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from casework import indicators as casework_indicators
from casework.age import AgeEvidence, anniversary, assess, month_of, years_between
from casework.audit import GENESIS_HASH, event_hash
from casework.choices import (
    OPEN_STATUSES,
    AgeBand,
    CaseStatus,
    ConsentSector,
    Discipline,
    ExploitationType,
    Gender,
    Region,
    SafeChannel,
    Sector,
    ServiceType,
    TeamRule,
)
from casework.models import (
    INTAKE_SECTIONS,
    AccessAction,
    AccessEvent,
    AccessLogHead,
    Case,
    CaseNote,
    CaseReferenceCounter,
    CaseUserObjectPermission,
    ConsentRecord,
    Notification,
    Office,
    Person,
    PersonSearchToken,
    Review,
    StaffProfile,
    TeamMember,
    TeamProposal,
    TwoFactorDevice,
    User,
)
from casework.roles import Role
from casework.rotation import no_progress
from casework.search import tokens_for
from casework.staffing import TEAM_PERMISSIONS
from casework.statistics import quarter_start
from config.indicators import last_quarters
from followup.models import FollowUpPlan, RecordStatus, ReExploitation, Reminder, Risk, Visit, VisitRecord, VisitStatus
from followup.reminders import lima_midnight
from followup.schedule import ReminderKind, Schedule, Track, add_months, reminder_step
from referrals.models import Provider, Referral, ReferralOutcome, ReferralStatus, Service, ServiceGap

CASES = 100_000  # the size the staff numbers are given for
VISITS_PER_CASE = 5
STAFF_PER_OFFICE = 80
SERVICES = 200
GAPS_PER_CASE = 0.05
CHUNK = 2_000  # cases inserted (with everything of theirs) per transaction
BATCH = 5_000
RECENT_DAYS = 120
SCHEDULE = Schedule()
LATE_SHARE = 0.15
USERNAME_PREFIX = "rep-"

# A case's status depends on its age: recent cases are in intake and assistance, older ones further on.
_RECENT_STATUSES = {
    CaseStatus.INTAKE: 20,
    CaseStatus.IMMEDIATE_ASSISTANCE: 30,
    CaseStatus.REINTEGRATION_PLANNING: 25,
    CaseStatus.REINTEGRATION_ACTIVE: 15,
    CaseStatus.FOLLOW_UP: 3,
    CaseStatus.CLOSURE_PENDING: 1,
    CaseStatus.CLOSED: 2,
    CaseStatus.CLOSED_REFERRED: 2,
    CaseStatus.LOST_CONTACT: 2,
}
_OLDER_STATUSES = {
    CaseStatus.INTAKE: 1,
    CaseStatus.IMMEDIATE_ASSISTANCE: 3,
    CaseStatus.REINTEGRATION_PLANNING: 6,
    CaseStatus.REINTEGRATION_ACTIVE: 17,
    CaseStatus.FOLLOW_UP: 30,
    CaseStatus.CLOSURE_PENDING: 3,
    CaseStatus.CLOSED: 26,
    CaseStatus.CLOSED_REFERRED: 7,
    CaseStatus.LOST_CONTACT: 7,
}
# Statuses whose cases have left care: they have a follow-up plan.
_FOLLOWED = {
    CaseStatus.REINTEGRATION_ACTIVE,
    CaseStatus.FOLLOW_UP,
    CaseStatus.CLOSURE_PENDING,
    CaseStatus.CLOSED,
    CaseStatus.CLOSED_REFERRED,
    CaseStatus.LOST_CONTACT,
}
_CLOSED = {CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED}
_AGE_BANDS = {AgeBand.CHILD: 8, AgeBand.ADOLESCENT: 32, AgeBand.YOUNG_ADULT: 25, AgeBand.ADULT: 33, AgeBand.OLDER_ADULT: 2}
_PERSON_GENDERS = {Gender.WOMAN: 72, Gender.MAN: 24, Gender.TRANS_WOMAN: 1, Gender.NON_BINARY: 1, Gender.NOT_STATED: 2}
_STAFF_GENDERS = {Gender.WOMAN: 62, Gender.MAN: 35, Gender.NON_BINARY: 1, Gender.NOT_STATED: 2}
_DISCIPLINES = {
    Discipline.SOCIAL_WORK: (27, Sector.SOCIAL_PROTECTION),
    Discipline.PSYCHOLOGY: (24, Sector.HEALTH),
    Discipline.LAW: (11, Sector.JUSTICE),
    Discipline.CASE_MANAGEMENT: (8, Sector.CIVIL_SOCIETY),
    Discipline.EDUCATION: (6, Sector.EDUCATION),
    Discipline.POLICE: (6, Sector.POLICE),
    Discipline.NURSING: (4, Sector.HEALTH),
    Discipline.MEDICINE: (3, Sector.HEALTH),
    Discipline.PROSECUTION: (3, Sector.JUSTICE),
    Discipline.INTERPRETER: (2, Sector.CIVIL_SOCIETY),
}
# The rules a team breaks (weights), and what casework.teams says was missing.
_BROKEN_RULES = {
    TeamRule.MIXED_GENDER: 30,
    TeamRule.DISCIPLINES: 20,
    TeamRule.SPECIALISED: 15,
    TeamRule.LANGUAGE: 10,
    TeamRule.CHILD_SPECIALISED: 10,
    TeamRule.SECTORS: 8,
    TeamRule.CAPACITY: 7,
}
_REFERRAL_STATUSES = {
    ReferralStatus.PROPOSED: 10,
    ReferralStatus.SENT: 15,
    ReferralStatus.ACCEPTED: 25,
    ReferralStatus.DECLINED: 10,
    ReferralStatus.COMPLETED: 35,
    ReferralStatus.WITHDRAWN: 5,
}
_REFERRALS_PER_CASE = {0: 35, 1: 40, 2: 18, 3: 7}
_RISKS = {Risk.LOW: 70, Risk.MEDIUM: 27, Risk.HIGH: 3}
_RE_EXPLOITATION = {ReExploitation.NONE: 988, ReExploitation.SUSPECTED: 10, ReExploitation.CONFIRMED: 2}


def weighted(rng, table):
    return rng.choices(list(table), [value[0] if isinstance(value, tuple) else value for value in table.values()])[0]


def batches(rows, size=BATCH):
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def new_uuid(rng):
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def at_day(day, hour=15):
    """A moment of `day` (15:00 UTC is 10:00 in Lima), never later than now."""
    return min(datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC), timezone.now() - datetime.timedelta(minutes=1))


# -- the world -----------------------------------------------------------------------------------


def office_codes(count=None):
    """QAA, QAB, ...: one office per region (the first `count` regions)."""
    return [f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(len(Region.values[:count] if count else Region.values))]


def create_offices(count=None):
    regions = Region.values[:count] if count else Region.values
    codes = office_codes(count)
    Office.objects.bulk_create(
        Office(code=code, name=f"Benchmark office {code}", region=region) for code, region in zip(codes, regions, strict=True)
    )
    return list(Office.objects.filter(code__in=codes).order_by("code"))


def create_staff(rng, offices, staff_per_office, today):
    """Caseworkers of every office, a supervisor per office, a national supervisor and an auditor,
    all with staff profiles but the auditor. Returns {office id: [caseworker ids]} and the people timed."""
    people = []  # (username, office, role, supervised offices)
    for office in offices:
        people += [(f"rep-{office.code.lower()}-{i:03d}", office, Role.CASEWORKER, ()) for i in range(staff_per_office)]
        people.append((f"rep-{office.code.lower()}-supervisor", office, Role.SUPERVISOR, (office,)))
    people.append(("rep-national-supervisor", offices[0], Role.SUPERVISOR, tuple(offices)))
    people.append(("rep-auditor", None, Role.AUDITOR, ()))
    for batch in batches(User(username=username, password="!", is_active=True) for username, *_rest in people):  # noqa: S106 (unusable)
        User.objects.bulk_create(batch)
    ids = dict(User.objects.filter(username__startswith=USERNAME_PREFIX).values_list("username", "pk"))
    groups = dict(Group.objects.values_list("name", "pk"))
    Membership = User.groups.through
    for batch in batches(Membership(user_id=ids[username], group_id=groups[role]) for username, _office, role, _supervised in people):
        Membership.objects.bulk_create(batch)
    profiles = []
    for username, office, _role, _supervised in people:
        if office is None:
            continue
        discipline = weighted(rng, _DISCIPLINES)
        trained = rng.random()  # 70% in the last two years, 20% up to five years ago, 10% never
        trained_on = None if trained < 0.1 else today - datetime.timedelta(days=rng.randrange(0, 730 if trained < 0.8 else 1800))
        profiles.append(
            StaffProfile(
                user_id=ids[username],
                gender=weighted(rng, _STAFF_GENDERS),
                disciplines=[discipline],
                sector=_DISCIPLINES[discipline][1],
                office=office,
                region=office.region,
                languages=["spa", "que"] if rng.random() < 0.15 else ["spa"],
                specialisation_trained_on=trained_on,
                child_specialised=rng.random() < 0.25,
                caseload_cap=rng.choice((15, 20, 25, 30)),
                active=rng.random() >= 0.03,
            )
        )
    for batch in batches(profiles):
        StaffProfile.objects.bulk_create(batch)
    profile_of = dict(StaffProfile.objects.filter(user__username__startswith=USERNAME_PREFIX).values_list("user__username", "pk"))
    Supervised = StaffProfile.supervised_offices.through
    Supervised.objects.bulk_create(
        Supervised(staffprofile_id=profile_of[username], office_id=office.pk)
        for username, _office, _role, supervised in people
        for office in supervised
    )
    staff_of, supervisor_of = defaultdict(list), {}
    for username, office, role, supervised in people:
        if role == Role.CASEWORKER:
            staff_of[office.pk].append(ids[username])
        elif role == Role.SUPERVISOR and len(supervised) == 1:
            supervisor_of[office.pk] = ids[username]
    users = User.objects.in_bulk([ids[f"rep-{offices[0].code.lower()}-supervisor"], ids["rep-national-supervisor"], ids["rep-auditor"]])
    timed = {
        "office_supervisor": users[ids[f"rep-{offices[0].code.lower()}-supervisor"]],
        "national_supervisor": users[ids["rep-national-supervisor"]],
        "auditor": users[ids["rep-auditor"]],
    }
    return staff_of, supervisor_of, timed


def create_catalogue(rng, offices):
    """SERVICES services of 20 providers, of every type, in the offices' regions or national."""
    regions = [office.region for office in offices]
    providers = [
        Provider(name=f"Benchmark provider {i:02d}", sector=rng.choice(Sector.values), region=rng.choice(regions)) for i in range(20)
    ]
    Provider.objects.bulk_create(providers)
    providers = list(Provider.objects.filter(name__startswith="Benchmark provider "))
    services = []
    for i in range(SERVICES):
        national = rng.random() < 0.2
        services.append(
            Service(
                provider=rng.choice(providers),
                name=f"Service {i:03d}",
                type=rng.choice(ServiceType.values),
                sector=rng.choice(Sector.values),
                regions=[] if national else rng.sample(regions, min(2, len(regions))),
                national=national,
            )
        )
    Service.objects.bulk_create(services)
    return list(Service.objects.filter(name__startswith="Service ").values_list("pk", "type"))


def team_breaks(rng, team, minor):
    """What casework.staffing stores for a team breaking one or two rules."""
    rules = {weighted(rng, _BROKEN_RULES) for _ in range(rng.choice((1, 1, 1, 2)))}
    if not minor:
        rules.discard(TeamRule.CHILD_SPECIALISED)
    rules = rules or {TeamRule.MIXED_GENDER}
    missing = {
        TeamRule.MIXED_GENDER: lambda: {"gender": rng.choice(("WOMAN", "MAN"))},
        TeamRule.DISCIPLINES: lambda: {"discipline": rng.choice(("PSYCHOLOGY", "SOCIAL_WORK", "LAW"))},
        TeamRule.SPECIALISED: lambda: {"member": rng.choice(team)},
        TeamRule.LANGUAGE: lambda: {"language": "que"},
        TeamRule.CHILD_SPECIALISED: lambda: {"specialisation": "CHILD"},
        TeamRule.SECTORS: lambda: {"min_sectors": 2, "sectors": 1},
        TeamRule.CAPACITY: lambda: {"member": rng.choice(team)},
    }
    return [{"rule": rule.value, "missing": missing[rule]()} for rule in TeamRule if rule in rules]


def plan_cases(rng, offices, staff_of, count, first_day, today):
    """Every case as a plain dict (what is inserted and what the checks expect)."""
    span = (today - first_day).days + 1
    sequence = Counter()
    cases = []
    for _ in range(count):
        office = rng.choice(offices)
        opened_on = first_day + datetime.timedelta(days=rng.randrange(span))
        age = (today - opened_on).days
        status = weighted(rng, _RECENT_STATUSES if age < RECENT_DAYS else _OLDER_STATUSES)
        band = weighted(rng, _AGE_BANDS)
        minor = band in (AgeBand.CHILD, AgeBand.ADOLESCENT)
        sequence[office.pk, opened_on.year] += 1
        has_team = rng.random() >= (0.6 if status == CaseStatus.INTAKE else 0.05)
        team = rng.sample(staff_of[office.pk], min(rng.choice((3, 3, 4)), len(staff_of[office.pk]))) if has_team else []
        exit_on = opened_on + datetime.timedelta(days=rng.randrange(0, max(1, min(240, age)))) if status in _FOLLOWED else None
        closed_on = min(today, (exit_on or opened_on) + datetime.timedelta(days=rng.randrange(30, 400))) if status in _CLOSED else None
        cases.append(
            {
                "id": new_uuid(rng),
                "person_id": new_uuid(rng),
                "office": office,
                "reference": f"{office.code}-{opened_on.year}-{sequence[office.pk, opened_on.year]:05d}",
                "status": status,
                "band": band,
                "minor": minor,
                "gender": weighted(rng, _PERSON_GENDERS),
                "opened_on": opened_on,
                "in_statistics": rng.random() < 0.85,
                "team": team,
                "breaks": team_breaks(rng, team, minor) if team and rng.random() < 0.15 else [],
                "exit_on": exit_on,
                "closed_on": closed_on,
                "unscheduled": 0,
            }
        )
    give_every_band(cases)
    return cases


def give_every_band(cases):
    """A small world may draw no one of a rare band (2% are 60 or older): the first cases of the
    commonest band whose team breaks no rule take the missing bands, so every band is present.
    A no-op in any world of a few hundred cases or more, so it draws nothing at random."""
    present = Counter(case["band"] for case in cases)
    missing = [band for band in AgeBand if not present[band]]
    if not missing or not cases:
        return
    commonest = present.most_common(1)[0][0]
    donors = (case for case in cases if case["band"] == commonest and not case["breaks"] and not case["unscheduled"])
    for band, case in zip(missing, donors, strict=False):
        case["band"] = band
        case["minor"] = band in (AgeBand.CHILD, AgeBand.ADOLESCENT)


def spread_unscheduled(rng, cases, target):
    """Unscheduled visits on followed cases, up to `target` visits in all; returns the total."""
    followed = [case for case in cases if case["exit_on"] is not None]
    scheduled = sum(len(SCHEDULE.minor_offsets if case["minor"] else SCHEDULE.adult_offsets) for case in followed)
    for _ in range(max(0, target - scheduled)):
        rng.choice(followed)["unscheduled"] += 1
    return max(target, scheduled)


def visit_windows(rng, case, today):
    """(track, offset, unscheduled, due, opens, closes) of a followed case's visits."""
    track = Track.MINOR if case["minor"] else Track.ADULT
    offsets = SCHEDULE.minor_offsets if case["minor"] else SCHEDULE.adult_offsets
    for offset in offsets:
        due = add_months(case["exit_on"], offset)
        tolerance = datetime.timedelta(days=SCHEDULE.tolerance_days(offset))
        yield track.value, offset, False, due, due - tolerance, due + tolerance
    for _ in range(case["unscheduled"]):
        event = case["exit_on"] + datetime.timedelta(days=rng.randrange(1, max(2, (today - case["exit_on"]).days + 30)))
        yield "", None, True, event + datetime.timedelta(days=SCHEDULE.unscheduled_within_days), event, event + datetime.timedelta(days=7)


def visit_outcome(rng, case, opens, closes, today):
    """(status, record: None or (record status, contact day, seen))."""
    closed = case["status"] in _CLOSED
    if closes < today:
        draw = rng.random()
        if draw < 0.84:
            late = rng.random() < LATE_SHARE and closes + datetime.timedelta(days=1) < today
            if late:
                contact = closes + datetime.timedelta(days=rng.randrange(1, min(45, (today - closes).days)))
            else:
                contact = opens + datetime.timedelta(days=rng.randrange((closes - opens).days + 1))
            return VisitStatus.DONE, (RecordStatus.FINAL, contact, True)
        if draw < 0.85:
            return VisitStatus.DONE, (RecordStatus.DRAFT, None, None)
        if draw < 0.91:
            return VisitStatus.MISSED, (RecordStatus.FINAL, closes, False)
        if draw < 0.98 and not closed:
            return VisitStatus.PLANNED, None  # overdue
        return VisitStatus.CANCELLED, None
    if closed:
        return VisitStatus.CANCELLED, None
    if opens <= today and rng.random() < 0.2:
        return VisitStatus.DONE, (RecordStatus.FINAL, opens + datetime.timedelta(days=rng.randrange((today - opens).days + 1)), True)
    return VisitStatus.PLANNED, None


def insert_chunk(rng, chunk, services, supervisor_of, today, expected, extras=None):
    """One transaction: the chunk's persons, cases, teams, proposals, plans, visits, records,
    escalations, referrals and reviews (and, with `extras`, what a complete world adds)."""
    now = timezone.now()
    persons, cases, members, proposals, plans, reviews, referrals = [], [], [], [], [], [], []
    for values in chunk:
        person_values = {
            "given_names": f"Persona {values['reference']}",
            "age_band": values["band"],
            "gender": values["gender"],
            "presumed_minor": values["band"] == AgeBand.ADULT and rng.random() < 0.02,
        }
        if extras is not None:  # given to the constructor: each encrypted value is sealed once
            person_values.update(extras.person_values(values))
        person = Person(id=values["person_id"], **person_values)
        persons.append(person)
        office = values["office"]
        case = Case(
            id=values["id"],
            reference=values["reference"],
            person_id=values["person_id"],
            office=office,
            region=office.region,
            status=values["status"],
            opened_on=values["opened_on"],
            intake_completed_on=None if values["status"] == CaseStatus.INTAKE else values["opened_on"] + datetime.timedelta(days=3),
            in_statistics=values["in_statistics"],
            care_ended_on=values["exit_on"],
            closed_on=values["closed_on"],
            team_breaks=values["breaks"],
            urgent=rng.random() < 0.1,
            **(extras.case_values() if extras is not None else {}),
        )
        cases.append(case)
        team = values["team"]
        members += [TeamMember(case_id=values["id"], user_id=user_id, is_lead=index == 0) for index, user_id in enumerate(team)]
        if team:
            proposals.append(
                TeamProposal(
                    case_id=values["id"],
                    office=office,
                    region=office.region,
                    proposed_at=at_day(values["opened_on"] + datetime.timedelta(days=2)),
                    feasible=not values["breaks"],
                    unmet_rules=[item["rule"] for item in values["breaks"]],
                )
            )
        author = team[0] if team else supervisor_of[office.pk]
        if values["exit_on"] is not None:
            plans.append(FollowUpPlan(case_id=values["id"], care_ended_on=values["exit_on"], created_by_id=author))
        if values["status"] in OPEN_STATUSES and rng.random() < 0.01:
            reviews.append(
                Review(
                    id=new_uuid(rng),
                    case_id=values["id"],
                    kind="CASE_CLOSURE",
                    requested_by_id=author,
                    requested_at=now - datetime.timedelta(days=rng.randrange(0, 20)),
                    reason="Sin riesgo.",
                )
            )
        age = (today - values["opened_on"]).days
        needs = []
        for _ in range(weighted(rng, _REFERRALS_PER_CASE)):
            service, need = rng.choice(services)
            needs.append(need)
            status = weighted(rng, _REFERRAL_STATUSES)
            proposed = values["opened_on"] + datetime.timedelta(days=rng.randrange(age + 1))
            answered = status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED)
            referrals.append(
                Referral(
                    id=new_uuid(rng),
                    case_id=values["id"],
                    service_id=service,
                    need=need,
                    status=status,
                    outcome=ReferralOutcome.NO_CAPACITY if status == ReferralStatus.DECLINED else "",
                    created_by_id=author,
                    proposed_at=at_day(proposed, 14),
                    sent_at=None if status == ReferralStatus.PROPOSED else at_day(proposed, 16),
                    answered_at=at_day(proposed + datetime.timedelta(days=2), 16) if answered else None,
                    closed_at=at_day(proposed + datetime.timedelta(days=30), 16) if status == ReferralStatus.COMPLETED else None,
                )
            )
        if extras is not None:
            extras.complete_case(values, person, case, needs)
        counts = expected["by_office"][office.pk]
        counts["cases"] += 1
        counts[values["status"]] += 1

    # Cases go in last (foreign keys are checked at commit), once their next visit is known.
    Person.objects.bulk_create(persons)
    TeamMember.objects.bulk_create(members)
    TeamProposal.objects.bulk_create(proposals)
    plans = FollowUpPlan.objects.bulk_create(plans)
    Review.objects.bulk_create(reviews)
    Referral.objects.bulk_create(referrals)
    if extras is not None:
        extras.insert(persons)

    by_case = {values["id"]: values for values in chunk}
    visits, outcomes = [], []
    for plan in plans:
        values = by_case[plan.case_id]
        for track, offset, unscheduled, due, opens, closes in visit_windows(rng, values, today):
            status, record = visit_outcome(rng, values, opens, closes, today)
            visit = Visit(
                plan=plan,
                case_id=plan.case_id,
                track=track,
                offset_months=offset,
                unscheduled=unscheduled,
                due=due,
                window_opens=opens,
                window_closes=closes,
                status=status,
                created_at=at_day(values["exit_on"]),
            )
            if extras is not None:
                extras.sweep_state(visit)
            visits.append(visit)
            outcomes.append((values, record))
            if status == VisitStatus.PLANNED and closes < today and values["status"] in OPEN_STATUSES:
                expected["by_office"][values["office"].pk]["overdue"] += 1
    records, escalations = [], []
    for visit, (values, record) in zip(Visit.objects.bulk_create(visits), outcomes, strict=True):
        author = values["team"][0] if values["team"] else supervisor_of[values["office"].pk]
        if record is not None:
            record_status, contact, seen = record
            records.append(
                VisitRecord(
                    id=new_uuid(rng),
                    visit_id=visit.pk,
                    status=record_status,
                    contact_on=contact,
                    mode="IN_PERSON" if seen else "",
                    seen=seen,
                    not_seen_reason="NO_ANSWER" if seen is False else "",
                    risk=weighted(rng, _RISKS) if seen else "",
                    re_exploitation=weighted(rng, _RE_EXPLOITATION) if seen else "",
                    recorded_by_id=author,
                )
            )
        overdue = visit.status == VisitStatus.PLANNED and visit.window_closes < today and values["status"] in OPEN_STATUSES
        if overdue and rng.random() < 0.5:
            created = now - datetime.timedelta(days=rng.randrange(0, max(1, min(60, (today - visit.window_closes).days))))
            escalations.append(
                Reminder(
                    visit_id=visit.pk,
                    kind=ReminderKind.ESCALATION.value,
                    recipient_id=supervisor_of[values["office"].pk],
                    case_id=values["id"],
                    created_at=created,
                    emailed_at=created,
                )
            )
    for batch in batches(records):
        VisitRecord.objects.bulk_create(batch)
    Reminder.objects.bulk_create(escalations)
    if extras is not None:
        extras.set_next_visits(cases, visits)
    Case.objects.bulk_create(cases)
    expected["visits"] += len(visits)
    expected["records"] += len(records)
    expected["referrals"] += len(referrals)


def create_gaps(rng, count, offices, first_day, today):
    span = (today - first_day).days + 1
    gaps = (
        ServiceGap(
            need=rng.choice(("SHELTER_MEN", "SHELTER_EMERGENCY", "VOCATIONAL_TRAINING", "MENTAL_HEALTH", "LEGAL_AID")),
            routing_band=weighted(rng, _AGE_BANDS),
            gender_group=rng.choice(("WOMAN", "WOMAN", "MAN", "OTHER")),
            region=rng.choice(offices).region,
            recorded_on=first_day + datetime.timedelta(days=rng.randrange(span)),
            token=f"{rng.getrandbits(256):064x}",
        )
        for _ in range(count)
    )
    for batch in batches(gaps):
        ServiceGap.objects.bulk_create(batch)


def team_status(case):
    if not case["team"]:
        return casework_indicators.NO_TEAM
    return casework_indicators.BROKEN if case["breaks"] else casework_indicators.COMPLIANT


def settle():
    """PostgreSQL: statistics and visibility map as autovacuum would leave them. SQLite: nothing.
    Nor inside a transaction (a test's), where VACUUM cannot run."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


# -- what a complete world adds ------------------------------------------------------------------

_WOMEN = (
    "María", "Rosa", "Milagros", "Yesenia", "Diana", "Sheyla", "Nayeli", "Fiorella", "Lucero", "Kiara", "Camila", "Valeria",
    "Ximena", "Yuliana", "Brisa", "Luz", "Flor", "Ruth", "Karina", "Maribel", "Juana", "Gladys", "Sisa", "Killa", "Yulimar",
    "Daniela", "Génesis", "Leidy", "Wara", "Marisol",
)  # fmt: skip
_MEN = (
    "José", "Juan", "Luis", "Jorge", "Diego", "Kevin", "Brayan", "Jhon", "Alex", "Edson", "Wilber", "Percy", "Elmer",
    "Rubén", "Saturnino", "Efraín", "Renzo", "Piero", "Cristian", "Anderson",
)  # fmt: skip
_SURNAMES = (
    "García", "Rodríguez", "Flores", "Sánchez", "Ramírez", "Torres", "Díaz", "Vásquez", "Rojas", "Castillo", "Chávez",
    "Mendoza", "Quispe", "Mamani", "Huamán", "Condori", "Ccori", "Apaza", "Choque", "Ttito", "Huanca", "Cusi", "Yupanqui",
    "Shuña", "Ahuanari", "Tapullima", "Sangama", "Pérez", "González", "Hernández",
)  # fmt: skip
# The ages drawn in each band (the band's own limits; children from 3, older adults up to 78).
_AGES = {
    AgeBand.CHILD: (3, 11),
    AgeBand.ADOLESCENT: (12, 17),
    AgeBand.YOUNG_ADULT: (18, 20),
    AgeBand.ADULT: (21, 59),
    AgeBand.OLDER_ADULT: (60, 78),
}
_NATIONALITIES = {"PER": 86, "VEN": 9, "COL": 2, "BOL": 2, "ECU": 1}
_EXPLOITATION = {
    ExploitationType.SEXUAL: 55,
    ExploitationType.LABOUR: 35,
    ExploitationType.SERVITUDE: 3,
    ExploitationType.FORCED_BEGGING: 3,
    ExploitationType.CHILD_LABOUR: 2,
    ExploitationType.FORCED_CRIMINALITY: 2,
}
_NOTES = (
    "Entrevista de seguimiento con el equipo.",
    "Coordinación con el albergue sobre la vacante.",
    "Se acompañó a la persona a su cita médica.",
    "Llamada de control: sin novedades.",
    "Se revisó el plan de reintegración con la persona.",
)
CREATED_FIELDS = sorted(
    ("given_names", "family_names", "birth_date", "age_estimate", "gender", "document_type", "document_number", "consent")
)
INTAKE_DONE_FIELDS = ["intake_completed_on", "status"]
FOLLOW_UP_FIELDS = ["follow_up"]
CASE_TYPE = Case._meta.label_lower


class Extras:
    """What `complete=True` adds to each chunk of cases, from a random stream of its own; the access
    events are kept (compactly) until every case is in, then appended to the log in time order."""

    def __init__(self, seed, today, staff_of):
        from casework.views import CASE_FILE_FIELDS  # the fields the case file logs as read

        self.rng = random.Random(f"{seed} complete world")
        self.today = today
        self.staff_of = staff_of
        self.permissions = list(
            Permission.objects.filter(content_type__app_label="casework", codename__in=TEAM_PERMISSIONS).values_list("pk", flat=True)
        )
        self.case_file_fields = sorted(CASE_FILE_FIELDS)
        self.rows = defaultdict(list)  # model -> instances of the chunk
        self.events = []  # (occurred at, actor id, action, case id, reference, fields, ip)
        self.counts = Counter()

    def moment(self, day):
        """A moment of the working day of `day` in Lima, never later than now."""
        return at_day(day, hour=14) + datetime.timedelta(seconds=self.rng.randrange(6 * 3600))

    def day_between(self, first, last):
        return first + datetime.timedelta(days=self.rng.randrange(max(1, (last - first).days + 1)))

    def case_values(self):
        return {"summary": "Caso sintético generado para pruebas de escala."}

    def complete_case(self, values, person, case, needs):
        rng = self.rng
        minor = person.is_minor
        case.exploitation_types = sorted({weighted(rng, _EXPLOITATION) for _ in range(rng.choice((1, 1, 2)))})
        case.needs = sorted(set(needs) | set(rng.sample(ServiceType.values, rng.choice((1, 2)))))
        case.trafficking_status = "CONFIRMED" if rng.random() < 0.4 else "POSSIBLE"
        case.identified_on = values["opened_on"] - datetime.timedelta(days=rng.randrange(0, 10))
        done = values["status"] != CaseStatus.INTAKE
        case.intake_sections = list(INTAKE_SECTIONS) if done else ["identity", "consent"]
        team = values["team"]
        workers = team or [rng.choice(self.staff_of[values["office"].pk])]  # without a team: who took the intake
        self.rows[CaseUserObjectPermission] += [
            CaseUserObjectPermission(content_object_id=values["id"], user_id=user_id, permission_id=permission)
            for user_id in workers
            for permission in self.permissions
        ]
        self.rows[ConsentRecord].append(self.consent(values, minor, recorded_by=workers[0]))
        for _ in range(rng.choice((0, 1, 1, 2))):
            self.rows[CaseNote].append(
                CaseNote(
                    id=new_uuid(rng),
                    case_id=values["id"],
                    author_id=rng.choice(workers),
                    text=rng.choice(_NOTES),
                    created_at=self.moment(self.day_between(values["opened_on"], self.today)),
                )
            )
        self.case_events(values, workers, done)

    def person_values(self, values):
        """A person's identity, contact and age evidence, with the plaintext age columns derived
        from the evidence as casework.age does."""
        rng, gender = self.rng, values["gender"]
        names = (
            _WOMEN if gender in (Gender.WOMAN, Gender.TRANS_WOMAN) else _MEN if gender in (Gender.MAN, Gender.TRANS_MAN) else _WOMEN + _MEN
        )
        person = {
            "given_names": " ".join(rng.sample(names, rng.choice((1, 1, 2)))),
            "family_names": " ".join(rng.sample(_SURNAMES, 2)),
            "nationality": weighted(rng, _NATIONALITIES),
            "document_type": "NONE",
        }
        if person["nationality"] == "PER" and rng.random() < 0.85:
            person.update(document_type="DNI", document_number=f"{rng.randrange(10**7, 10**8)}")
        elif person["nationality"] != "PER" and rng.random() < 0.5:
            person.update(document_type="PASSPORT", document_number=f"{rng.choice('ABCDEFGH')}{rng.randrange(10**6, 10**7)}")
        if rng.random() < 0.7:
            person["phone"] = f"+51 9{rng.randrange(10, 100)} {rng.randrange(100, 1000)} {rng.randrange(100, 1000)}"
        quechua = rng.random() < 0.15
        person.update(
            languages=["spa", "que"] if quechua else ["spa"],
            preferred_language="que" if quechua and rng.random() < 0.5 else "spa",
            safe_channels=rng.sample(SafeChannel.values, rng.choice((1, 2))),
            preferred_interviewer_gender=rng.choice(("WOMAN", "NO_PREFERENCE", "NOT_ASKED")),
        )
        evidence = self.age_evidence(values, person)
        assessment = assess(evidence, self.today)
        person.update(
            age_band=assessment.band.value,
            presumed_minor=assessment.presumed_minor,
            age_band_changes_in=month_of(assessment.next_band_change),
        )
        return person

    def age_evidence(self, values, person):
        """A birth date inside the person's band today, or (10% of adolescents) an age range
        estimated at intake whose youngest age is still under 18 today: a presumed minor."""
        rng = self.rng
        low, high = _AGES[values["band"]]
        if values["band"] == AgeBand.ADOLESCENT and rng.random() < 0.1:
            estimated_on = values["opened_on"]
            youngest_at_intake = max(0, rng.randint(low + 1, high) - years_between(estimated_on, self.today))
            person["age_estimate"] = {"min": youngest_at_intake, "max": youngest_at_intake + 3, "estimated_on": estimated_on.isoformat()}
            return AgeEvidence(range_min=youngest_at_intake, range_max=youngest_at_intake + 3, range_estimated_on=estimated_on)
        # Exactly that many years old today: born up to 364 days before that birthday.
        person["birth_date"] = anniversary(self.today, -rng.randint(low, high)) - datetime.timedelta(days=rng.randrange(365))
        return AgeEvidence(birth_date=person["birth_date"])

    def consent(self, values, minor, *, recorded_by):
        rng = self.rng
        given_on = values["opened_on"]
        record = ConsentRecord(
            case_id=values["id"],
            recorded_by_id=recorded_by,
            recorded_at=self.moment(given_on),
            given_on=given_on,
            method=rng.choice(("WRITTEN", "WRITTEN", "FINGERPRINT", "VERBAL_WITNESSED")),
            services=True,
            share_with=sorted(rng.sample(ConsentSector.values, rng.choice((1, 2, 3)))),
            follow_up_contact=rng.random() < 0.9,
            follow_up_channels=["PHONE_CALL"],
            statistics=values["in_statistics"],
        )
        if minor:
            record.child_assent = "GIVEN"
            record.guardian_kind = rng.choice(("PARENT", "PROTECTION_UNIT"))
            record.guardian_consent_on = given_on
            record.guardian_method = "WRITTEN"
        return record

    def case_events(self, values, workers, done):
        """Opened by who took the intake, intake completed, the case file read by the team and, once
        followed, the follow-up read."""
        rng, opened_on, lead = self.rng, values["opened_on"], workers[0]
        row = (values["id"], values["reference"])
        self.event(self.moment(opened_on), lead, AccessAction.CREATE, row, CREATED_FIELDS)
        if done:
            self.event(self.moment(opened_on + datetime.timedelta(days=3)), lead, AccessAction.UPDATE, row, INTAKE_DONE_FIELDS)
        self.event(self.moment(self.day_between(opened_on, self.today)), rng.choice(workers), AccessAction.VIEW, row, self.case_file_fields)
        if values["exit_on"] is not None and rng.random() < 0.5:
            self.event(self.moment(self.day_between(values["exit_on"], self.today)), lead, AccessAction.VIEW, row, FOLLOW_UP_FIELDS)

    def event(self, when, actor, action, row, fields):
        ip = f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
        self.events.append((when, actor, action, *row, fields, ip))

    def sweep_state(self, visit):
        """Where the reminder sweep leaves a planned visit at the start of today."""
        if visit.status != VisitStatus.PLANNED:
            return
        step = reminder_step(visit, reached=0, today=self.today)
        visit.reminder_stages_passed = step.reached
        visit.next_reminder_at = lima_midnight(step.next_on) if step.next_on else None

    def insert(self, persons):
        self.rows[PersonSearchToken] = [
            PersonSearchToken(person_id=person.pk, purpose=purpose, token=token)
            for person in persons
            for purpose, token in tokens_for(person)
        ]
        for model, instances in self.rows.items():
            for batch in batches(instances):
                model.objects.bulk_create(batch)
            self.counts[model._meta.label] += len(instances)
        self.rows.clear()

    def set_next_visits(self, cases, visits):
        """Case.next_visit_on, the earliest planned visit (what followup.reminders.refresh_next_visit keeps)."""
        earliest = {}
        for visit in visits:
            if visit.status == VisitStatus.PLANNED and (visit.case_id not in earliest or visit.due < earliest[visit.case_id]):
                earliest[visit.case_id] = visit.due
        for case in cases:
            case.next_visit_on = earliest.get(case.pk)


def create_reference_counters(cases):
    """The last number used per office and year, so the next case opened goes on numbering."""
    last = Counter()
    for case in cases:
        last[case["office"].pk, case["opened_on"].year] += 1
    CaseReferenceCounter.objects.bulk_create(
        CaseReferenceCounter(office_id=office, year=year, last=n) for (office, year), n in last.items()
    )


def append_access_events(events, progress=no_progress):
    """Appends the events to the access log's hash chain, oldest first, a batch per transaction.

    Each batch holds the head row while it chains (as casework.audit.record does for one event),
    so an event recorded meanwhile by the app chains onto the right row and the log stays valid.
    """
    bar = progress(gettext("Access log"), len(events))
    try:
        for batch in batches(sorted(events, key=itemgetter(0))):
            with transaction.atomic():
                AccessLogHead.objects.get_or_create(pk=1)
                head = AccessLogHead.objects.select_for_update().get(pk=1)
                sequence, previous = head.sequence, head.last_hash or GENESIS_HASH
                rows = []
                for occurred_at, actor, action, case_id, reference, fields, ip in batch:
                    sequence += 1
                    event = AccessEvent(
                        sequence=sequence,
                        occurred_at=occurred_at,
                        actor_id=actor,
                        action=action,
                        object_type=CASE_TYPE,
                        object_id=str(case_id),
                        object_ref=reference,
                        fields=fields,
                        ip=ip,
                        previous_hash=previous,
                    )
                    event.hash = previous = event_hash(event)
                    rows.append(event)
                AccessEvent.objects.bulk_create(rows)
                AccessLogHead.objects.filter(pk=1).update(sequence=sequence, last_hash=previous)
            bar.update(len(batch))
    finally:
        bar.close()


def seed_world(case_count, *, seed, complete=False, office_count=None, staff_per_office=None, progress=no_progress):
    """Everything in the database; returns the timed users, what the pages should count, and sizes.

    `staff_per_office` overrides the scaled number of caseworkers (tests vary it).
    `progress(description, total)` makes a progress bar (tqdm's signature: update(n), close()).
    """
    rng = random.Random(seed)
    today = timezone.localdate()
    first_day = quarter_start(last_quarters(today)[0])
    offices = create_offices(office_count)
    staff_per_office = staff_per_office or max(4, STAFF_PER_OFFICE * case_count // CASES)
    staff_of, supervisor_of, timed = create_staff(rng, offices, staff_per_office, today)
    services = create_catalogue(rng, offices)
    cases = plan_cases(rng, offices, staff_of, case_count, first_day, today)
    visits_planned = spread_unscheduled(rng, cases, case_count * VISITS_PER_CASE)
    expected = {"by_office": defaultdict(Counter), "visits": 0, "records": 0, "referrals": 0}
    extras = Extras(seed, today, staff_of) if complete else None
    bar = progress(gettext("Cases"), case_count)
    try:
        for chunk in batches(cases, CHUNK):
            with transaction.atomic():
                insert_chunk(rng, chunk, services, supervisor_of, today, expected, extras)
            bar.update(len(chunk))
    finally:
        bar.close()
    assert expected["visits"] == visits_planned, (expected["visits"], visits_planned)  # the generator's own invariant
    create_gaps(rng, int(case_count * GAPS_PER_CASE), offices, first_day, today)
    if extras is not None:
        create_reference_counters(cases)
        append_access_events(extras.events, progress)
        expected.update(added=extras.counts, access_events=len(extras.events), caseworker=busiest_caseworker(cases, offices[0]))
    settle()
    expected.update(
        cases=case_count,
        offices=offices,
        staff=sum(len(ids) for ids in staff_of.values()),
        teams=sum(bool(case["team"]) for case in cases),
        in_statistics=sum(case["in_statistics"] for case in cases),
        team_statuses=Counter(team_status(case) for case in cases if case["in_statistics"]),
    )
    return timed, expected


def busiest_caseworker(cases, office):
    """The caseworker of `office` on most open cases' teams (the one whose list is worth timing)."""
    load = Counter(user_id for case in cases if case["office"] == office and case["status"] in OPEN_STATUSES for user_id in case["team"])
    return User.objects.get(pk=load.most_common(1)[0][0]) if load else None


def clear_world():
    """Removes every row seed_world made, the sessions and the whole access log, in one transaction.

    For the benchmarks' throwaway database only: it empties tables wholesale (cases, visits, the log).
    """
    seeded_users = User.objects.filter(username__startswith=USERNAME_PREFIX)
    with transaction.atomic():
        for queryset in (
            Session.objects.all(),
            AccessEvent.objects.all(),
            Reminder.objects.all(),
            Notification.objects.all(),
            VisitRecord.objects.all(),
            Visit.objects.all(),
            FollowUpPlan.objects.all(),
            Referral.objects.all(),
            Service.objects.all(),
            Provider.objects.filter(name__startswith="Benchmark provider "),
            ServiceGap.objects.all(),
            Review.objects.all(),
            TeamProposal.objects.all(),
            TeamMember.objects.all(),
            CaseUserObjectPermission.objects.all(),
            CaseNote.objects.all(),
            ConsentRecord.objects.all(),
            CaseReferenceCounter.objects.filter(office__code__startswith="Q"),
            Case.objects.all(),
            PersonSearchToken.objects.all(),
            Person.objects.all(),
            TwoFactorDevice.objects.filter(user__in=seeded_users),
            StaffProfile.supervised_offices.through.objects.all(),
            StaffProfile.objects.all(),
            User.groups.through.objects.filter(user__in=seeded_users),
            seeded_users,
            Office.objects.filter(code__startswith="Q"),
        ):
            queryset.order_by()._raw_delete(queryset.db)
        AccessLogHead.objects.filter(pk=1).update(sequence=0, last_hash="")
