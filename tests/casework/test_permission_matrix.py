"""Who reaches what: every URL of the URLconf, for every role, by GET and by POST.

The policy is written down below (POLICY for the app's pages, ADMIN_POLICY for the admin site); the
URLs come from the URLconf itself, so a new URL that is not in the policy fails the test. Every
response an auditor or an administrator can get is searched for the case's sensitive values, and
so is every log line written meanwhile. POSTs carry a valid CSRF token (the client enforces CSRF);
a second test shows that without it every POST is refused.
"""

import logging
import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from guardian.shortcuts import assign_perm

from casework import aggregate_exports, reviews, services
from casework.fields import encrypted_fields
from casework.roles import Role
from casework.views import SECTIONS
from followup.services import plan_start, visit_record_save
from referrals.models import Provider, Referral, Service

from ..factories import OfficeFactory, StaffProfileFactory, UserFactory, open_case, sign_in, supervisor, user_with_role

pytestmark = pytest.mark.django_db

# --- Outcomes -------------------------------------------------------------------------------
OK = "ok"  # the page, a form with its errors, or a redirect onwards within the app
LOGIN = "to the login page"
ADMIN_LOGIN = "to the admin login page"
TWO_FACTOR = "to the second-factor screen"
FORBIDDEN = "403"
HIDDEN = "404"  # "not allowed" and "does not exist" look the same
METHOD = "405"


def outcome(response):
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        for prefix, result in (("/accounts/login/", LOGIN), ("/admin/login/", ADMIN_LOGIN), ("/accounts/two-factor/", TWO_FACTOR)):
            if location.startswith(prefix):
                return result
        return OK
    return {200: OK, 403: FORBIDDEN, 404: HIDDEN, 405: METHOD}.get(status, f"status {status}")


# --- Roles ----------------------------------------------------------------------------------
ROLES = (
    "anonymous",
    "team_caseworker",
    "other_caseworker",
    "office_supervisor",
    "other_supervisor",
    "auditor",
    "administrator",
    "deactivated",
    "unverified_supervisor",
)
WORKING = ("team_caseworker", "other_caseworker", "office_supervisor", "other_supervisor", "auditor", "administrator")


def everyone(result, **exceptions):
    return {**dict.fromkeys(ROLES, result), **exceptions}


def signed_in(result, **exceptions):
    """A page behind sign-in: the anonymous and the deactivated go to log in, a supervisor who has
    not passed her second factor goes to the code screen; the working roles get `result`."""
    return {"anonymous": LOGIN, "deactivated": LOGIN, "unverified_supervisor": TWO_FACTOR, **dict.fromkeys(WORKING, result), **exceptions}


CASE_TEAM = {"team_caseworker": OK}
CASE_READERS = {"team_caseworker": OK, "office_supervisor": OK}
SUPERVISORS = {"office_supervisor": OK, "other_supervisor": OK}
NO_OFFICE = {"auditor": FORBIDDEN, "administrator": FORBIDDEN}

# url name: (GET, POST)
POLICY = {
    "home": (signed_in(OK), signed_in(METHOD)),
    "case_new": (signed_in(OK, **NO_OFFICE), signed_in(OK, **NO_OFFICE)),
    "case_file": (signed_in(HIDDEN, **CASE_READERS), signed_in(METHOD)),
    "case_complete_intake": (signed_in(METHOD), signed_in(HIDDEN, **CASE_TEAM)),
    "case_note_add": (signed_in(HIDDEN, **CASE_TEAM), signed_in(HIDDEN, **CASE_TEAM)),
    "case_note_edit": (signed_in(HIDDEN, **CASE_TEAM), signed_in(HIDDEN, **CASE_TEAM)),
    "case_request_closure": (signed_in(HIDDEN, **CASE_TEAM), signed_in(HIDDEN, **CASE_TEAM)),
    "case_section_edit": (signed_in(HIDDEN, **CASE_TEAM), signed_in(HIDDEN, **CASE_TEAM)),
    # The team and the office's supervisors choose the team.
    "case_team": (signed_in(HIDDEN, **CASE_READERS), signed_in(HIDDEN, **CASE_READERS)),
    # Routing and referrals: the team only (a supervisor reads the case but refers nobody).
    "case_services": (
        signed_in(HIDDEN, team_caseworker=OK, office_supervisor=FORBIDDEN),
        signed_in(HIDDEN, team_caseworker=OK, office_supervisor=FORBIDDEN),
    ),
    # Follow-up: those who read the case see the plan; the team starts it.
    "case_follow_up": (signed_in(HIDDEN, **CASE_READERS), signed_in(HIDDEN, team_caseworker=OK, office_supervisor=FORBIDDEN)),
    # A visit's record and the person's safe contact: read by those who read the case, written by the team.
    "visit_record": (signed_in(HIDDEN, **CASE_READERS), signed_in(HIDDEN, team_caseworker=OK, office_supervisor=FORBIDDEN)),
    "reminders_health": (everyone(OK), everyone(METHOD)),
    "health": (everyone(OK), everyone(METHOD)),
    "referral_new": (signed_in(METHOD), signed_in(HIDDEN, office_supervisor=FORBIDDEN)),
    "referral_detail": (
        signed_in(HIDDEN, team_caseworker=OK, office_supervisor=FORBIDDEN),
        signed_in(HIDDEN, team_caseworker=OK, office_supervisor=FORBIDDEN),
    ),
    # Consented case transfer (HTCDS): the office's supervisors only; the download is a POST naming the transfer.
    "case_transfer": (signed_in(HIDDEN, team_caseworker=FORBIDDEN, office_supervisor=OK),) * 2,
    "case_transfer_download": (signed_in(METHOD), signed_in(HIDDEN, team_caseworker=FORBIDDEN)),
    "review_queue": (signed_in(FORBIDDEN, **SUPERVISORS), signed_in(METHOD)),
    "supervisor_dashboard": (signed_in(FORBIDDEN, **SUPERVISORS), signed_in(METHOD)),
    "staff_list": (signed_in(FORBIDDEN, **SUPERVISORS), signed_in(METHOD)),
    # Each supervisor edits the profiles of their own offices' staff only.
    "staff_edit": (
        signed_in(FORBIDDEN, office_supervisor=OK, other_supervisor=HIDDEN),
        signed_in(FORBIDDEN, office_supervisor=OK, other_supervisor=HIDDEN),
    ),
    "gap_report": (signed_in(FORBIDDEN, auditor=OK, **SUPERVISORS), signed_in(METHOD)),
    "capacity_report": (signed_in(FORBIDDEN, auditor=OK, **SUPERVISORS), signed_in(METHOD)),
    "indicators": (signed_in(FORBIDDEN, auditor=OK, **SUPERVISORS), signed_in(METHOD)),
    "break_glass": (signed_in(FORBIDDEN, **SUPERVISORS), signed_in(FORBIDDEN, **SUPERVISORS)),
    # The requester sees her review but may not decide it (four eyes).
    "review_detail": (signed_in(HIDDEN, **CASE_READERS), signed_in(HIDDEN, team_caseworker=FORBIDDEN, office_supervisor=OK)),
    # Aggregate exports: auditors and supervisors ask; only whoever asked downloads, once approved.
    "export_list": (signed_in(FORBIDDEN, auditor=OK, **SUPERVISORS), signed_in(FORBIDDEN, auditor=OK, **SUPERVISORS)),
    "export_download": (signed_in(HIDDEN, auditor=OK), signed_in(METHOD)),
    # HTCDS import: administrators into any office, supervisors into theirs (the form offers only those).
    "htcds_import": (signed_in(FORBIDDEN, administrator=OK, **SUPERVISORS), signed_in(FORBIDDEN, administrator=OK, **SUPERVISORS)),
    "notifications": (signed_in(OK), signed_in(METHOD)),
    "notifications_read_all": (signed_in(METHOD), signed_in(OK)),
    "access_log": (signed_in(FORBIDDEN, auditor=OK), signed_in(METHOD)),
    "search": (signed_in(OK), signed_in(OK)),
    "login": (everyone(OK), everyone(OK)),
    "logout": (everyone(METHOD), everyone(LOGIN)),
    "password_change": (signed_in(OK), signed_in(OK)),
    "password_change_done": (signed_in(OK), signed_in(METHOD)),
    "set_language": (everyone(METHOD), everyone(OK)),
    "two_factor_verify": (signed_in(OK), signed_in(OK)),
    "two_factor_setup": (signed_in(OK, unverified_supervisor=OK), signed_in(OK, unverified_supervisor=OK)),
}


def admin_only(result):
    """The admin site: only a (verified) administrator gets in; the others are sent to its login."""
    return {**dict.fromkeys(ROLES, ADMIN_LOGIN), "unverified_supervisor": TWO_FACTOR, "administrator": result}


# The admin site: administrators manage staff, offices and staff profiles (users are deactivated,
# never deleted; roles are set on the user's page) and the team policies. The rest is closed to them.
ADMINISTERED_MODELS = (
    "casework_user",
    "casework_office",
    "casework_staffprofile",
    "casework_teampolicy",
    "referrals_provider",
    "referrals_service",
    "followup_followupschedule",
)
DELETABLE_MODELS = ("casework_teampolicy",)
SINGLETONS = ("followup_followupschedule",)  # one row, edited: never added nor deleted
MODEL_PAGE = re.compile(r"^admin:(?P<model>[a-z]+_[a-z]+)_(?P<page>changelist|add|change|history|delete)$")
ADMIN_POLICY = {
    "admin:index": (admin_only(OK), admin_only(OK)),
    "admin:app_list": (admin_only(OK), admin_only(OK)),
    "admin:login": (everyone(OK, unverified_supervisor=TWO_FACTOR), everyone(OK, unverified_supervisor=TWO_FACTOR)),
    "admin:logout": (
        everyone(OK, unverified_supervisor=TWO_FACTOR, administrator=METHOD),
        everyone(OK, unverified_supervisor=TWO_FACTOR, administrator=LOGIN),
    ),
    "admin:password_change": (admin_only(OK), admin_only(OK)),
    "admin:password_change_done": (admin_only(OK), admin_only(METHOD)),
    "admin:jsi18n": (admin_only(OK), admin_only(METHOD)),
    "admin:autocomplete": (admin_only(FORBIDDEN), admin_only(METHOD)),  # no field named: refused
    "admin:view_on_site": (admin_only(HIDDEN), admin_only(HIDDEN)),  # no model here has a public page
    "admin:auth_user_password_change": (admin_only(OK), admin_only(OK)),  # setting a user's password
    "admin:object": (admin_only(OK), admin_only(OK)),  # the bare object address redirects to its page
    "admin:catch_all": (admin_only(HIDDEN), admin_only(HIDDEN)),
}
# A POST to a delete page deletes; its GET shows who may reach it.
ADMIN_GET_ONLY = re.compile(r"_delete$")


def admin_policy(name):
    if name in ADMIN_POLICY:
        return ADMIN_POLICY[name]
    page = MODEL_PAGE.match(name)
    assert page, f"the admin URL {name!r} is not in the permission matrix: add its policy"
    allowed = page["model"] in ADMINISTERED_MODELS and (page["page"] != "delete" or page["model"] in DELETABLE_MODELS)
    allowed = allowed and not (page["model"] in SINGLETONS and page["page"] == "add")
    return admin_only(OK if allowed else FORBIDDEN), admin_only(OK if allowed else FORBIDDEN)


# --- The world ------------------------------------------------------------------------------
CANARIES = ("Matrizcanario", "MTX-55555", "Notacanario", "Motivocanario", "Callecanario")


@pytest.fixture
def world():
    lima, cusco = OfficeFactory(code="LIM"), OfficeFactory(code="CUS")
    caseworkers = Group.objects.get(name=Role.CASEWORKER)
    tania = StaffProfileFactory(user=UserFactory(username="tania"), office=lima).user
    nico = StaffProfileFactory(user=UserFactory(username="nico"), office=lima).user
    dora = StaffProfileFactory(user=UserFactory(username="dora", is_active=False), office=lima).user
    for user in (tania, nico, dora):
        user.groups.add(caseworkers)
    case = open_case(
        lima,
        actor=tania,
        case_fields={"status": "FOLLOW_UP"},
        given_names=CANARIES[0],
        document_number=CANARIES[1],
        address=f"Jr. {CANARIES[4]} 12",
    )
    for user in (tania, dora):
        assign_perm("casework.view_case", user, case)
        assign_perm("casework.change_case", user, case)
    note = services.note_add(actor=tania, case=case, text=f"{CANARIES[2]}: la visité.")
    review = reviews.request_closure(actor=tania, case=case, reason=f"{CANARIES[3]}: sin riesgo.")
    # A lockout record for the admin pages of django-axes.
    AccessAttempt.objects.create(username="nico", ip_address="10.0.0.9", user_agent="test", path_info="/", failures_since_start=1)
    AccessFailureLog.objects.create(username="nico", ip_address="10.0.0.9", user_agent="test", path_info="/", locked_out=False)
    auditor = user_with_role("aurora", Role.AUDITOR)
    administrator = user_with_role("ada", Role.ADMINISTRATOR, is_staff=True)
    users = {
        "anonymous": None,
        "team_caseworker": tania,
        "other_caseworker": nico,
        "office_supervisor": supervisor("sofia", lima),
        "other_supervisor": supervisor("sergio", cusco),
        "auditor": auditor,
        "administrator": administrator,
        "deactivated": dora,
        "unverified_supervisor": supervisor("sam", lima),
    }
    provider = Provider.objects.create(name="Centro de Salud Mental Comunitario", sector="HEALTH", region="15")
    service = Service.objects.create(provider=provider, name="Psicología", type="PSYCHOLOGICAL", sector="HEALTH", regions=["15"])
    referral = Referral.objects.create(case=case, service=service, need="PSYCHOLOGICAL", created_by=tania)
    plan = plan_start(actor=tania, case=case, care_ended_on=case.opened_on)
    visit = plan.visits.first()
    visit_record_save(
        actor=tania, visit=visit, values={"notes": f"{CANARIES[2]}: en casa."}, goals=[{"goal": CANARIES[3], "status": "MET"}], final=False
    )
    export = aggregate_exports.export_request(
        actor=auditor, export="CTDC", first="2026-Q1", last="2026-Q1", office=None, publication=False, reason="Informe anual."
    )
    reviews.review_decide(actor=users["office_supervisor"], review=export, approve=True)
    ids = {
        "case_id": case.pk,
        "note_id": note.pk,
        "review_id": review.pk,
        "user_id": tania.pk,
        "referral_id": referral.pk,
        "visit_id": visit.pk,
        "export_id": export.pk,
    }
    return users, ids


def client_for(users, role):
    client = Client(enforce_csrf_checks=True)
    user = users[role]
    if user is not None:
        sign_in(client, user, second_factor=role != "unverified_supervisor")
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    client.csrf_token = secret
    return client


# --- The URLs -------------------------------------------------------------------------------
def url_patterns(patterns=None, prefix="", namespace=None):
    """(name, route) of every pattern of the URLconf; names in a namespace as "ns:name"."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
        else:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern)


def app_paths(name, ids):
    """The concrete paths of one of the app's URL names (every intake section for the section page)."""
    if name == "case_section_edit":
        return [reverse(name, kwargs={"case_id": ids["case_id"], "section": section}) for section in SECTIONS]
    route = dict(url_patterns())[name]
    needed = {key: value for key, value in ids.items() if f":{key}>" in route}
    return [reverse(name, kwargs=needed)]


def admin_path(route):
    """A concrete path for an admin route: an existing object of its model where one is named."""
    parts = route.split("/")
    object_pk = "0"
    if len(parts) > 3 and parts[1] in {config.label for config in apps.get_app_configs()}:
        model = apps.get_model(parts[1], parts[2])
        first = model._default_manager.order_by("pk").first()
        object_pk = str(first.pk) if first else "0"
    replacements = {
        "<path:object_id>": object_pk,
        "<id>": object_pk,
        "<int:content_type_id>": str(ContentType.objects.get_for_model(apps.get_model("casework", "user")).pk),
        "^(?P<app_label>": "casework/",
        "(?P<url>.*)$": "no-such-page/",
    }
    route = re.sub(r"\^\(\?P<app_label>[^)]*\)/\$", "^(?P<app_label>", route)  # whichever apps are registered
    for placeholder, value in replacements.items():
        route = route.replace(placeholder, value)
    return "/" + route.replace("^", "").replace("$", "")


def requests_to_make(ids):
    """(name, path, method, expected outcomes by role) for every URL of the URLconf."""
    for name, route in url_patterns():
        if name == "admin:None":
            name = "admin:catch_all" if "(?P<url>" in route else "admin:object"
        if name.startswith("admin:"):
            get, post = admin_policy(name)
            yield name, admin_path(route), "GET", get
            if not ADMIN_GET_ONLY.search(name):
                yield name, admin_path(route), "POST", post
            continue
        assert name in POLICY, f"the URL {name!r} ({route}) is not in the permission matrix: add its policy"
        get, post = POLICY[name]
        for path in app_paths(name, ids):
            yield name, path, "GET", get
            yield name, path, "POST", post


def test_the_matrix_names_every_url_and_only_urls_that_exist():
    names = {name for name, _route in url_patterns()}
    assert set(POLICY) <= names, f"in the matrix but not in the URLconf: {sorted(set(POLICY) - names)}"
    assert {name for name in ADMIN_POLICY if name not in ("admin:object", "admin:catch_all")} <= names
    assert all(set(cells) == set(ROLES) for row in POLICY.values() for cells in row)


def sensitive_values_in(text):
    return [canary for canary in CANARIES if canary.casefold() in text.casefold()]


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_policy_says(world, role, caplog):
    users, ids = world
    caplog.set_level(logging.DEBUG)
    wrong, leaked = [], []
    for name, path, method, expected in requests_to_make(ids):
        client = client_for(users, role)
        response = client.get(path) if method == "GET" else client.post(path, {"csrfmiddlewaretoken": client.csrf_token})
        got = outcome(response)
        if got != expected[role]:
            wrong.append(f"{method} {path} ({name}): expected {expected[role]}, got {got}")
        if role in ("auditor", "administrator") and (found := sensitive_values_in(response.content.decode(errors="replace"))):
            leaked.append(f"{method} {path}: {found}")
    assert not wrong, f"{len(wrong)} responses to {role} outside the policy:\n" + "\n".join(wrong)
    assert not leaked, f"case content reached the {role}:\n" + "\n".join(leaked)
    logged = sensitive_values_in("\n".join(record.getMessage() for record in caplog.records))
    assert not logged, f"sensitive values in the log: {logged}"


@pytest.mark.parametrize("role", ["team_caseworker", "office_supervisor", "administrator", "anonymous"])
def test_every_post_without_a_csrf_token_is_refused(world, role):
    users, ids = world
    accepted = []
    for name, path, method, _expected in requests_to_make(ids):
        if method != "POST":
            continue
        client = client_for(users, role)
        response = client.post(path, {})
        if response.status_code != 403:
            accepted.append(f"POST {path} ({name}): {response.status_code}")
    assert not accepted, "POSTs accepted without a CSRF token:\n" + "\n".join(accepted)


def test_the_admin_site_holds_no_model_with_case_content():
    """Administrators manage staff and offices; no admin page can show an encrypted field."""
    with_content = [model._meta.label for model in admin.site._registry if encrypted_fields(model)]
    assert not with_content
    reachable = {model._meta.label for model in admin.site._registry}
    assert not reachable & {"casework.Person", "casework.Case", "casework.CaseNote", "casework.Review", "casework.BreakGlassGrant"}


def test_the_searched_values_are_on_the_pages_of_those_who_may_read_the_case(world):
    """So that finding none of them elsewhere means something."""
    users, ids = world
    case_file = client_for(users, "team_caseworker").get(reverse("case_file", args=[ids["case_id"]]))
    review = client_for(users, "office_supervisor").get(reverse("review_detail", args=[ids["review_id"]]))
    shown = set(sensitive_values_in(case_file.content.decode())) | set(sensitive_values_in(review.content.decode()))
    assert shown == set(CANARIES)
