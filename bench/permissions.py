"""A caseworker's "My cases" list: guardian with direct foreign keys against generic permissions and a plain team filter.

100,000 cases in 25 offices, 2,000 staff (80 per office, all in the caseworker group); each case
has a team of 3 or 4 staff of its office, drawn from a seeded generator, so a caseworker is on
about 175 cases, two thirds of them open. The same cases, with the same ids, are loaded into three
tables of identical shape (bench.benchapp.models.ListedCase: the columns the list reads, the
indexes of casework.Case), each protected another way:

- direct: guardian's direct foreign-key permission models, as casework.Case is; one
  `view_directcase` row per team member, queried with guardian's get_objects_for_user;
- generic: guardian's generic UserObjectPermission (text object_pk); the same rows, the same call;
- owner: a hand-written join on a plain team table (case, user).

Permission and team rows are bulk-inserted, not assigned one by one. On PostgreSQL the database
is then VACUUM ANALYZEd, as autovacuum would have done by the time anyone logs in; SQLite gets no
statistics, as Django never gathers them.

What is timed is what casework.views.my_cases does for one user: build the queryset, keep the open
cases, order them newest first, count them for the paginator and load the first page of 25 (the
view's columns, the person joined). A fourth variant, visible_to, wraps the direct one the way
casework.access.cases_visible_to does (granted, OR the cases of the offices the user supervises,
OR an unexpired break-the-glass grant), which is the query the page really runs. Two diagnostic
variants, direct_no_groups and generic_no_groups, call guardian with use_groups=False: by default
it ORs the user's permissions with their groups' (empty here, as in casework), and PostgreSQL
cannot use an index for an OR of two IN subqueries, so it reads every case.

20 caseworkers, five repeats; within each repeat every caseworker's list is built by each variant
in turn, the order rotating, so a slow spell of the machine does not land on one of them. Medians
in milliseconds. Before timing, every variant must give every timed caseworker the same count and
the same page, and the count expected from the generated teams. Queries are counted once per
variant (page and count, after the caches have warmed).
"""

import datetime
import random
import statistics
import uuid
from collections import defaultdict
from functools import partial
from itertools import islice

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_objects_for_user

from bench.benchapp.models import (
    DirectCase,
    DirectCaseUserObjectPermission,
    GenericCase,
    ListedPerson,
    OwnedCase,
    OwnedCaseMember,
)
from bench.common import Samples, goal, seconds
from casework.access import offices_supervised_by
from casework.choices import CLOSED_STATUSES, AgeBand, CaseStatus, Region
from casework.models import BreakGlassGrant, Office, User
from casework.roles import Role, has_role
from casework.views import CASES_PER_PAGE, MY_CASES_COLUMNS

CASES = 100_000
STAFF = 2_000
TEAM_SIZES = (3, 4)
TIMED_USERS = 20
REPEATS = 5
BATCH = 5_000
SEED = 20260302
CASE_MODELS = (DirectCase, GenericCase, OwnedCase)

# Roughly what a caseload looks like: most cases open, a third closed (the list hides those).
_STATUS_WEIGHTS = {
    CaseStatus.INTAKE: 6,
    CaseStatus.IMMEDIATE_ASSISTANCE: 8,
    CaseStatus.REINTEGRATION_PLANNING: 10,
    CaseStatus.REINTEGRATION_ACTIVE: 20,
    CaseStatus.FOLLOW_UP: 16,
    CaseStatus.CLOSURE_PENDING: 3,
    CaseStatus.CLOSED: 25,
    CaseStatus.CLOSED_REFERRED: 7,
    CaseStatus.LOST_CONTACT: 5,
}
_AGE_BAND_WEIGHTS = {AgeBand.CHILD: 5, AgeBand.ADOLESCENT: 25, AgeBand.YOUNG_ADULT: 25, AgeBand.ADULT: 43, AgeBand.OLDER_ADULT: 2}
_FIRST_DAY, _LAST_DAY = datetime.date(2016, 1, 1), datetime.date(2026, 2, 28)


# -- the data ------------------------------------------------------------------------------------


def batches(rows, size=BATCH):
    """Lists of at most `size` items from any iterable (itertools.batched arrives with Python 3.12)."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def create_offices():
    """One office per region, codes BAA, BAB, ... (no real office's code)."""
    codes = [f"B{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(len(Region.values))]
    offices = [Office(code=code, name=f"Benchmark office {code}", region=region) for code, region in zip(codes, Region.values, strict=True)]
    Office.objects.bulk_create(offices)
    return list(Office.objects.filter(code__in=[office.code for office in offices]).order_by("code"))


def create_staff(offices):
    """STAFF active caseworkers spread evenly over the offices; returns {office id: [user ids]}."""
    users = [User(username=f"bench-staff-{i:05d}", password="!", is_active=True) for i in range(STAFF)]  # noqa: S106 (unusable password)
    for batch in batches(users):
        User.objects.bulk_create(batch)
    user_ids = list(User.objects.filter(username__startswith="bench-staff-").order_by("username").values_list("pk", flat=True))
    caseworker = Group.objects.get(name=Role.CASEWORKER)
    Membership = User.groups.through
    for batch in batches(Membership(user_id=user_id, group_id=caseworker.pk) for user_id in user_ids):
        Membership.objects.bulk_create(batch)
    staff_of = defaultdict(list)
    for index, user_id in enumerate(user_ids):
        staff_of[offices[index % len(offices)].pk].append(user_id)
    return staff_of


def generate_cases(rng, offices, staff_of):
    """CASES cases as plain dicts (values shared by the three tables) and each case's team (user ids)."""
    statuses, status_weights = list(_STATUS_WEIGHTS), list(_STATUS_WEIGHTS.values())
    span = (_LAST_DAY - _FIRST_DAY).days
    sequence = defaultdict(int)
    cases, teams = [], []
    for _ in range(CASES):
        office = rng.choice(offices)
        opened_on = _FIRST_DAY + datetime.timedelta(days=rng.randrange(span))
        sequence[office.code, opened_on.year] += 1
        status = rng.choices(statuses, status_weights)[0]
        cases.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "reference": f"{office.code}-{opened_on.year}-{sequence[office.code, opened_on.year]:05d}",
                "office_id": office.pk,
                "status": status,
                "region": office.region,
                "opened_on": opened_on,
                "urgent": rng.random() < 0.1,
                "intake_completed_on": None if status == CaseStatus.INTAKE else opened_on + datetime.timedelta(days=rng.randrange(1, 15)),
            }
        )
        teams.append(rng.sample(staff_of[office.pk], rng.choice(TEAM_SIZES)))
    return cases, teams


def create_persons(rng, cases):
    """One person per case (the list joins it for the age band); sets cases' person_id."""
    bands, weights = list(_AGE_BAND_WEIGHTS), list(_AGE_BAND_WEIGHTS.values())
    persons = []
    for case in cases:
        person = ListedPerson(id=uuid.UUID(int=rng.getrandbits(128), version=4), age_band=rng.choices(bands, weights)[0])
        person.presumed_minor = person.age_band == AgeBand.ADULT and rng.random() < 0.02
        case["person_id"] = person.pk
        persons.append(person)
    for batch in batches(persons):
        ListedPerson.objects.bulk_create(batch)


def create_cases(cases):
    for model in CASE_MODELS:
        for batch in batches(model(**values) for values in cases):
            model.objects.bulk_create(batch)


def view_permission(model):
    return Permission.objects.get(content_type=ContentType.objects.get_for_model(model), codename=f"view_{model._meta.model_name}")


def create_access_rows(cases, teams):
    """The same teams three ways: direct guardian rows, generic guardian rows, plain team rows."""
    direct_permission, generic_permission = view_permission(DirectCase).pk, view_permission(GenericCase).pk
    generic_type = ContentType.objects.get_for_model(GenericCase).pk
    pairs = [(case["id"], user_id) for case, team in zip(cases, teams, strict=True) for user_id in team]
    rows = {
        DirectCaseUserObjectPermission: (
            DirectCaseUserObjectPermission(user_id=user_id, permission_id=direct_permission, content_object_id=case_id)
            for case_id, user_id in pairs
        ),
        UserObjectPermission: (
            UserObjectPermission(user_id=user_id, permission_id=generic_permission, content_type_id=generic_type, object_pk=str(case_id))
            for case_id, user_id in pairs
        ),
        OwnedCaseMember: (OwnedCaseMember(case_id=case_id, user_id=user_id) for case_id, user_id in pairs),
    }
    for model, instances in rows.items():
        for batch in batches(instances):
            model.objects.bulk_create(batch)


def settle():
    """PostgreSQL: statistics and visibility map as autovacuum would leave them. SQLite: nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def load_world(rng):
    """Everything in the database; returns {user id: open cases expected in their list} and the load time."""
    offices = create_offices()
    staff_of = create_staff(offices)
    cases, teams = generate_cases(rng, offices, staff_of)

    def insert():
        with transaction.atomic():
            create_persons(rng, cases)
            create_cases(cases)
            create_access_rows(cases, teams)

    load_s = seconds(insert)
    settle()
    cases_of, open_cases_of = defaultdict(int), defaultdict(int)
    for case, team in zip(cases, teams, strict=True):
        for user_id in team:
            cases_of[user_id] += 1
            open_cases_of[user_id] += case["status"] not in CLOSED_STATUSES
    return {"cases_of": cases_of, "open_cases_of": open_cases_of, "load_s": load_s}


# -- the lists -----------------------------------------------------------------------------------


def direct_cases(user, *, use_groups=True):
    return get_objects_for_user(
        user, "benchapp.view_directcase", klass=DirectCase, accept_global_perms=False, with_superuser=False, use_groups=use_groups
    )


def generic_cases(user, *, use_groups=True):
    return get_objects_for_user(
        user, "benchapp.view_genericcase", klass=GenericCase, accept_global_perms=False, with_superuser=False, use_groups=use_groups
    )


def owned_cases(user):
    return OwnedCase.objects.filter(members__user=user)


def visible_cases(user):
    """The shape of casework.access.cases_visible_to, over DirectCase: a caseworker's is a subquery of
    the user's own rows in the direct permission table; a supervisor's adds offices and break-the-glass grants.

    Break-the-glass grants come from the real (empty) BreakGlassGrant table, whose rows point at
    casework.Case: only the shape of the query matters here, and grants are rare.
    """
    granted = DirectCaseUserObjectPermission.objects.filter(user=user, permission__codename="view_directcase").values("content_object_id")
    if not has_role(user, Role.SUPERVISOR):
        return DirectCase.objects.filter(pk__in=granted)
    broken_glass = BreakGlassGrant.objects.filter(user=user, expires_at__gt=timezone.now(), revoked_at__isnull=True).values("case")
    return DirectCase.objects.filter(Q(pk__in=granted) | Q(office__in=offices_supervised_by(user)) | Q(pk__in=broken_glass))


VARIANTS = {
    "direct": direct_cases,
    "generic": generic_cases,
    "owner": owned_cases,
    "visible_to": visible_cases,
    # Diagnostics: guardian without the group permissions (casework assigns none), whose subquery
    # it otherwise ORs with the user's (pk IN (...) OR pk IN (...)).
    "direct_no_groups": partial(direct_cases, use_groups=False),
    "generic_no_groups": partial(generic_cases, use_groups=False),
}
RATIOS = (
    ("direct", "owner"),
    ("generic", "owner"),
    ("direct", "generic"),
    ("visible_to", "direct"),
    ("visible_to", "owner"),
    ("direct_no_groups", "owner"),
    ("direct_no_groups", "generic_no_groups"),
)


def first_page(cases):
    """What my_cases does with the visible cases: open ones, newest first, counted, the first page loaded."""
    listed = cases.select_related("person").order_by("-opened_on", "reference").exclude(status__in=CLOSED_STATUSES)
    page = Paginator(listed.only(*MY_CASES_COLUMNS), CASES_PER_PAGE).get_page(1)
    rows = list(page.object_list)
    return page.paginator.count, [(case.pk, case.person.age_band) for case in rows]


def check_lists(users, open_cases_of):
    """Untimed: every variant lists the same cases for every timed user, as many as their teams say."""
    for user in users:
        answers = {name: first_page(cases_of(user)) for name, cases_of in VARIANTS.items()}
        count, page = answers["direct"]
        if count != open_cases_of[user.pk] or len(page) != min(count, CASES_PER_PAGE):
            raise AssertionError(f"direct: {count} open cases listed, {open_cases_of[user.pk]} expected")
        for name, answer in answers.items():
            if answer != (count, page):
                raise AssertionError(f"{name} lists other cases than direct")


def count_queries(cases_of, user):
    with CaptureQueriesContext(connection) as queries:
        first_page(cases_of(user))
    return len(queries)


def time_lists(users):
    """Medians in ms per variant, the variants taking turns for each user in a rotating order."""
    samples = Samples()
    names = list(VARIANTS)
    for repeat in range(REPEATS):
        for index, user in enumerate(users):
            shift = (repeat + index) % len(names)
            for name in names[shift:] + names[:shift]:
                samples.add(name, seconds(lambda name=name, user=user: first_page(VARIANTS[name](user))) * 1000)
    return {name: samples.median(name) for name in names}


def run():
    rng = random.Random(SEED)
    world = load_world(rng)
    users = rng.sample(list(User.objects.filter(username__startswith="bench-staff-").order_by("username")), TIMED_USERS)
    check_lists(users, world["open_cases_of"])  # also the warm-up: caches, content types, query compilation
    queries = {name: count_queries(cases_of, users[0]) for name, cases_of in VARIANTS.items()}
    ms = time_lists(users)

    figures = {
        "cases": CASES,
        "staff": STAFF,
        "offices": Office.objects.count(),
        "direct_permission_rows": DirectCaseUserObjectPermission.objects.count(),
        "generic_permission_rows": UserObjectPermission.objects.count(),
        "team_rows": OwnedCaseMember.objects.count(),
        "cases_per_caseworker_median": statistics.median(world["cases_of"].values()),
        "open_cases_per_caseworker_median": statistics.median(world["open_cases_of"].values()),
        "load_s": round(world["load_s"], 1),
        "timed_users": TIMED_USERS,
        "repeats": REPEATS,
    }
    for name in VARIANTS:
        figures[f"{name}_ms"] = round(ms[name], 3)
        figures[f"{name}_queries"] = queries[name]
    for name, other in RATIOS:
        figures[f"{name}_vs_{other}"] = round(ms[name] / ms[other], 3)
    goals = {
        "direct_queries": goal(queries["direct"], "<= 2"),
        "visible_to_queries": goal(queries["visible_to"], "<= 2"),
        "visible_to_vs_owner": goal(ms["visible_to"] / ms["owner"], "<= 2"),
    }
    return {"figures": figures, "goals": goals}
