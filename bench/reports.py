"""The supervisor dashboard and the indicators page on 100,000 cases and 500,000 follow-up visits.

The world (fictional, from a seeded generator): 25 offices (one per region, codes QAA, QAB, ...),
80 caseworkers per office with staff profiles (gender, one discipline, sector, training date,
caseload cap from 15 to 30; 3% inactive), a supervisor per office, a national supervisor who
supervises all 25, and an auditor. 100,000 cases opened over the 8 quarters the indicators page
shows, in offices drawn at random; each with a person (age band: 40% minors, gender: mostly women),
a status that depends on the case's age (recent cases in intake and assistance, older ones in
follow-up or closed), 85% consenting to statistics. Most cases have a team of 3 or 4 staff of their
office with one lead (TeamMember rows), 15% of the teams break one or two rules in `team_breaks`
(shaped as casework.staffing writes it, {"rule": code, "missing": {...}}), and the solver's proposal
is recorded (TeamProposal, the failed ones naming the rules). Cases past reintegration planning
have a follow-up plan with the default schedule (7 visits for minors, 5 for adults) from their exit
from care; unscheduled visits (after a risk event) make up the rest of 5 visits per case on average,
500,000 in all. Visits whose window closed are mostly DONE with a FINAL VisitRecord (15% of them
late), some MISSED, some still PLANNED (overdue), a few DONE with a draft record or cancelled;
open windows are partly done; future ones planned (cancelled for closed cases). 3% of records say
HIGH risk, a few re-exploitation. About one referral per case (0 to 3) to a catalogue of 200
services, in every status; half of the overdue visits of open cases escalated to the office's
supervisor (Reminder rows); a pending review for 1% of open cases; 5,000 service gaps. Encrypted
fields are sealed by bulk_create in batches, as bench/permissions.py and bench/reminders.py do.
Guardian's object permissions are not created: neither page reads them (supervisors see their
offices, auditors aggregates). On PostgreSQL the database is then VACUUM ANALYZEd, as autovacuum
would have done.

Timed, through Django's test Client with a signed-in user (supervisors with their second factor
passed, as tests/factories.sign_in does), each the whole request (middleware, session save,
template): the supervisor dashboard of the supervisor of one office (dashboard_one_office) and of
the national supervisor (dashboard_all_offices), and the indicators page for the auditor, of every
office (indicators_all_offices) and of one (indicators_one_office). One untimed request per page
(a warm-up that must answer 200), one more with its queries counted (CaptureQueriesContext; the
slowest query's time is reported too), then REQUESTS rounds, the pages taking turns in a rotating
order. Median and 95th percentile (interpolated) in milliseconds.

The same pages are measured first on a small world (1,000 cases, 5,000 visits, 4 staff per office,
the same generator), which is then deleted, and the large world seeded: the query counts must be
equal at both sizes. Before timing, the counts the pages show are checked against the generated
data (cases of the office by status, overdue visits, teams by compliance), so the pages measured
do see the world. On SQLite (one writer, no statistics) the large world has 10,000 cases, and
`reduced_size_for_sqlite` says so. On PostgreSQL the topic takes about five and a half minutes on
2 cores, four and a half of them seeding the large world.
"""

import datetime
import logging
import random
import statistics
import time
import uuid
from collections import Counter, defaultdict
from itertools import islice

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.common import goal, seconds
from casework import indicators as casework_indicators
from casework import reports as casework_reports
from casework.choices import OPEN_STATUSES, AgeBand, CaseStatus, Discipline, Gender, Region, Sector, ServiceType, TeamRule
from casework.models import Case, Office, Person, Review, StaffProfile, TeamMember, TeamProposal, TwoFactorDevice, User
from casework.roles import Role
from casework.statistics import quarter_start
from config.indicators import last_quarters
from followup import reports as followup_reports
from followup.models import FollowUpPlan, RecordStatus, ReExploitation, Reminder, Risk, Visit, VisitRecord, VisitStatus
from followup.schedule import ReminderKind, Schedule, Track, add_months
from referrals.models import Provider, Referral, ReferralOutcome, ReferralStatus, Service, ServiceGap

CASES = 100_000
SQLITE_CASES = 10_000  # SQLite has one writer and no statistics: the topic still runs, smaller, and says so
SMALL_CASES = 1_000
VISITS_PER_CASE = 5
STAFF_PER_OFFICE = 80
SERVICES = 200
GAPS_PER_CASE = 0.05
REQUESTS = 10
CHUNK = 2_000  # cases inserted (with everything of theirs) per transaction
BATCH = 5_000
SEED = 20260601
RECENT_DAYS = 120
TARGET_MS = 500
SCHEDULE = Schedule()
LATE_SHARE = 0.15

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


def create_offices():
    codes = [f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(len(Region.values))]
    Office.objects.bulk_create(
        Office(code=code, name=f"Benchmark office {code}", region=region) for code, region in zip(codes, Region.values, strict=True)
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
    ids = dict(User.objects.filter(username__startswith="rep-").values_list("username", "pk"))
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
    profile_of = dict(StaffProfile.objects.filter(user__username__startswith="rep-").values_list("user__username", "pk"))
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
                regions=[] if national else rng.sample(regions, 2),
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
    return cases


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


def insert_chunk(rng, chunk, services, supervisor_of, today, expected):
    """One transaction: the chunk's persons, cases, teams, proposals, plans, visits, records,
    escalations, referrals and reviews."""
    now = timezone.now()
    persons, cases, members, proposals, plans, reviews, referrals = [], [], [], [], [], [], []
    for values in chunk:
        persons.append(
            Person(
                id=values["person_id"],
                given_names=f"Persona {values['reference']}",
                age_band=values["band"],
                gender=values["gender"],
                presumed_minor=values["band"] == AgeBand.ADULT and rng.random() < 0.02,
            )
        )
        office = values["office"]
        cases.append(
            Case(
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
            )
        )
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
        for _ in range(weighted(rng, _REFERRALS_PER_CASE)):
            service, need = rng.choice(services)
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
        counts = expected["by_office"][office.pk]
        counts["cases"] += 1
        counts[values["status"]] += 1

    Person.objects.bulk_create(persons)
    Case.objects.bulk_create(cases)
    TeamMember.objects.bulk_create(members)
    TeamProposal.objects.bulk_create(proposals)
    plans = FollowUpPlan.objects.bulk_create(plans)
    Review.objects.bulk_create(reviews)
    Referral.objects.bulk_create(referrals)

    by_case = {values["id"]: values for values in chunk}
    visits, outcomes = [], []
    for plan in plans:
        values = by_case[plan.case_id]
        for track, offset, unscheduled, due, opens, closes in visit_windows(rng, values, today):
            status, record = visit_outcome(rng, values, opens, closes, today)
            visits.append(
                Visit(
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
            )
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
    """PostgreSQL: statistics and visibility map as autovacuum would leave them. SQLite: nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def seed_world(case_count, *, seed):
    """Everything in the database; returns the timed users, what the pages should count, and sizes."""
    rng = random.Random(seed)
    today = timezone.localdate()
    first_day = quarter_start(last_quarters(today)[0])
    offices = create_offices()
    staff_per_office = max(4, STAFF_PER_OFFICE * case_count // CASES)
    staff_of, supervisor_of, timed = create_staff(rng, offices, staff_per_office, today)
    services = create_catalogue(rng, offices)
    cases = plan_cases(rng, offices, staff_of, case_count, first_day, today)
    visits_planned = spread_unscheduled(rng, cases, case_count * VISITS_PER_CASE)
    expected = {"by_office": defaultdict(Counter), "visits": 0, "records": 0, "referrals": 0}
    for chunk in batches(cases, CHUNK):
        with transaction.atomic():
            insert_chunk(rng, chunk, services, supervisor_of, today, expected)
    assert expected["visits"] == visits_planned, (expected["visits"], visits_planned)  # the generator's own invariant
    create_gaps(rng, int(case_count * GAPS_PER_CASE), offices, first_day, today)
    settle()
    expected.update(
        cases=case_count,
        offices=offices,
        staff=sum(len(ids) for ids in staff_of.values()),
        in_statistics=sum(case["in_statistics"] for case in cases),
        team_statuses=Counter(team_status(case) for case in cases if case["in_statistics"]),
    )
    return timed, expected


def clear_world():
    """Removes every row seed_world made (and the sessions), in one transaction."""
    bench_users = User.objects.filter(username__startswith="rep-")
    with transaction.atomic():
        for queryset in (
            Session.objects.all(),
            Reminder.objects.all(),
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
            Case.objects.all(),
            Person.objects.all(),
            TwoFactorDevice.objects.filter(user__in=bench_users),
            StaffProfile.supervised_offices.through.objects.all(),
            StaffProfile.objects.all(),
            User.groups.through.objects.filter(user__in=bench_users),
            bench_users,
            Office.objects.filter(code__startswith="Q"),
        ):
            queryset.order_by()._raw_delete(queryset.db)


# -- the pages -----------------------------------------------------------------------------------


def signed_in_client(user):
    """A test Client signed in as `user`, with the second factor passed when the user needs one
    (what tests/factories.sign_in does). HTTP_HOST: one of ALLOWED_HOSTS (no test environment here)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from casework.two_factor import needs_two_factor

    client = Client(HTTP_HOST="localhost")
    axes = logging.getLogger("axes")  # its INFO line per sign-in would drown the benchmark's output
    level = axes.level
    axes.setLevel(logging.WARNING)
    try:
        client.force_login(user)
    finally:
        axes.setLevel(level)
    if needs_two_factor(user):
        device = TwoFactorDevice.objects.create(user=user, name="authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def pages(timed, offices):
    """{page: (client, url)}."""
    clients = {role: signed_in_client(user) for role, user in timed.items()}
    return {
        "dashboard_one_office": (clients["office_supervisor"], "/dashboard/"),
        "dashboard_all_offices": (clients["national_supervisor"], "/dashboard/"),
        "indicators_all_offices": (clients["auditor"], "/indicators/"),
        "indicators_one_office": (clients["auditor"], f"/indicators/?office={offices[0].code}"),
    }


def get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    return response


def check_counts(expected):
    """Untimed: what the pages count is what was generated (the pages do see the world)."""
    office = expected["offices"][0]
    counts = expected["by_office"][office.pk]
    chosen = Office.objects.filter(pk=office.pk)
    cases = casework_reports.office_cases(chosen)
    by_status = {str(label): count for _phase, label, count in casework_reports.cases_by_status(cases)}
    wanted = {str(status.label): counts[status] for status in CaseStatus if counts[status]}
    if by_status != wanted:
        raise AssertionError(f"cases by status {by_status}, {wanted} generated")
    overdue = followup_reports.office_follow_up(cases, today=timezone.localdate())["overdue"]
    if overdue != counts["overdue"]:
        raise AssertionError(f"{overdue} overdue visits counted, {counts['overdue']} generated")
    today = timezone.localdate()
    since = quarter_start(last_quarters(today)[0])
    teams = Counter()
    for (_quarter, status), count in casework_indicators.team_compliance(Case.objects.all(), since=since, until=today).items():
        teams[status] += count
    if teams != expected["team_statuses"]:
        raise AssertionError(f"teams by compliance {dict(teams)}, {dict(expected['team_statuses'])} generated")


def percentile(samples, share):
    """The interpolated percentile (share 0.95: the 95th) of the samples."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(timed, expected):
    """{page: {"median_ms", "p95_ms", "queries", "slowest_query_ms"}} for the world in the database."""
    check_counts(expected)
    measured = pages(timed, expected["offices"])
    results = {}
    for name, (client, url) in measured.items():
        get(client, url)  # warm-up: templates, translations, connections, caches
        with CaptureQueriesContext(connection) as captured:
            get(client, url)
        results[name] = {
            "queries": len(captured),
            "slowest_query_ms": max(float(query["time"]) for query in captured.captured_queries) * 1000,
            "samples": [],
        }
    names = list(measured)
    for repeat in range(REQUESTS):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            client, url = measured[name]
            results[name]["samples"].append(seconds(lambda client=client, url=url: get(client, url)) * 1000)
    for result in results.values():
        samples = result.pop("samples")
        result["median_ms"] = statistics.median(samples)
        result["p95_ms"] = percentile(samples, 0.95)
    return results


def run():
    started = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    large_cases = SQLITE_CASES if sqlite else CASES

    timed, expected = seed_world(SMALL_CASES, seed=SEED)
    small = measure(timed, expected)
    small_sizes = {"cases": expected["cases"], "visits": expected["visits"]}
    clear_world()

    seed_start = time.perf_counter()
    timed, expected = seed_world(large_cases, seed=SEED + 1)
    seed_s = time.perf_counter() - seed_start
    large = measure(timed, expected)

    figures = {
        "cases": expected["cases"],
        "visits": expected["visits"],
        "visit_records": expected["records"],
        "referrals": expected["referrals"],
        "offices": len(expected["offices"]),
        "staff": expected["staff"],
        "reduced_size_for_sqlite": int(sqlite),
        "small_cases": small_sizes["cases"],
        "small_visits": small_sizes["visits"],
        "requests_per_page": REQUESTS,
        "seed_s": round(seed_s, 1),
    }
    goals = {}
    for name, result in large.items():
        figures[f"{name}_median_ms"] = round(result["median_ms"], 1)
        figures[f"{name}_p95_ms"] = round(result["p95_ms"], 1)
        figures[f"{name}_queries"] = result["queries"]
        figures[f"{name}_slowest_query_ms"] = round(result["slowest_query_ms"], 1)
        figures[f"small_{name}_median_ms"] = round(small[name]["median_ms"], 1)
        figures[f"small_{name}_p95_ms"] = round(small[name]["p95_ms"], 1)
        figures[f"small_{name}_queries"] = small[name]["queries"]
        goals[f"{name}_median_ms"] = goal(result["median_ms"], f"< {TARGET_MS}")
        goals[f"{name}_queries_more_than_small"] = goal(result["queries"] - small[name]["queries"], "<= 0")
    figures["run_s"] = round(time.perf_counter() - started, 1)
    return {"figures": figures, "goals": goals}
