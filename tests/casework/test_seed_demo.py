"""seed_demo: fictional demo data, created once, completed after an interruption, one login per role."""

import io
import logging
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django.utils import timezone
from django.utils.translation import gettext

from casework import services
from casework.age import ADULT_AGE, assess
from casework.choices import AgeBand
from casework.management.commands import seed_demo
from casework.models import AccessAction, AccessEvent, Case, Office, Person, StaffProfile, TeamMember, TeamProposal, User
from casework.roles import Role

LOGIN_LINE = re.compile(r"^  (caseworker|supervisor|auditor|administrator) / (\S+)$", re.MULTILINE)
DEMO_ROLES = {"caseworker": Role.CASEWORKER, "supervisor": Role.SUPERVISOR, "auditor": Role.AUDITOR, "administrator": Role.ADMINISTRATOR}
OFFICE_REGIONS = {"LIM": "15", "MDD": "17", "CUS": "08", "PUN": "21", "LOR": "16"}


@pytest.fixture(autouse=True)
def demo_settings(settings):
    settings.DEBUG = True  # the command refuses to run without DEBUG (or --allow-production)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; the real hasher is not under test


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def printed_passwords(output):
    return dict(LOGIN_LINE.findall(output))


def summary_line(what, created, existing):
    return gettext("%(what)s: %(created)d created, %(existing)d already there") % {"what": what, "created": created, "existing": existing}


def snapshot():
    """Everything a run could create or change."""
    return {
        "offices": list(Office.objects.order_by("code").values_list("code", "name", "region")),
        "users": list(User.objects.order_by("username").values_list("username", "password", "is_staff", "is_active", "last_login")),
        "profiles": list(StaffProfile.objects.order_by("user__username").values()),
        "people": list(Person.objects.order_by("pk").values_list("pk", "updated_at", "age_band", "presumed_minor")),
        "cases": list(Case.objects.order_by("reference").values_list("reference", "version", "updated_at", "status")),
        "events": AccessEvent.objects.count(),
    }


def test_a_first_run_creates_five_offices_forty_staff_and_sixty_cases(db):
    output = seed()

    assert dict(Office.objects.values_list("code", "region")) == OFFICE_REGIONS
    assert StaffProfile.objects.count() == 40
    assert Case.objects.count() == 60
    per_office = {code: Case.objects.filter(office__code=code).count() for code in OFFICE_REGIONS}
    assert per_office == {code: count for code, _name, _region, count in seed_demo.OFFICES}
    # Opened through the service: each case left its creation event in the access log.
    assert AccessEvent.objects.filter(action=AccessAction.CREATE, object_type="casework.case").count() == 60
    # One supervisor per office; everyone else with a profile is a caseworker.
    supervisors = StaffProfile.objects.filter(user__groups__name=Role.SUPERVISOR)
    assert sorted(supervisors.values_list("office__code", flat=True)) == sorted(OFFICE_REGIONS)
    assert StaffProfile.objects.filter(user__groups__name=Role.CASEWORKER).count() == 35
    # Only the four demo logins can sign in with a password.
    assert {user.username for user in User.objects.all() if user.has_usable_password()} == set(DEMO_ROLES)
    assert summary_line(gettext("Cases"), 60, 0) in output


def test_the_people_cover_every_routing_age_band_women_men_and_presumed_minors(db):
    seed()
    today = timezone.localdate()
    people = list(Person.objects.all())

    assert {person.age_band for person in people} == set(AgeBand.values)
    assert {"WOMAN", "MAN"} <= {person.gender for person in people}
    presumed = [person for person in people if person.presumed_minor]
    assert presumed
    assert all(person.birth_date is None or person.birth_date_is_estimated for person in presumed)
    straddling = [
        assessment for assessment in (assess(person.age_evidence(), today) for person in presumed) if assessment.oldest >= ADULT_AGE
    ]
    assert straddling, "some estimated age range should straddle 18"
    staff_genders = set(StaffProfile.objects.values_list("gender", flat=True))
    assert {"WOMAN", "MAN", "TRANS_WOMAN", "NON_BINARY"} <= staff_genders


def sign_in(*, username, password):
    """authenticate() as the login form calls it: django-axes needs the request."""
    return authenticate(RequestFactory().post("/accounts/login/"), username=username, password=password)


def test_each_demo_login_is_in_its_group_and_signs_in_with_the_printed_password(db):
    passwords = printed_passwords(seed())

    assert set(passwords) == set(DEMO_ROLES)
    for username, role in DEMO_ROLES.items():
        user = sign_in(username=username, password=passwords[username])
        assert user is not None, username
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert not user.is_superuser
    administrator = User.objects.get(username="administrator")
    assert administrator.is_staff
    assert not User.objects.filter(is_staff=True).exclude(username="administrator").exists()
    assert {profile.user.username: profile.office.code for profile in StaffProfile.objects.filter(user__username__in=DEMO_ROLES)} == {
        "caseworker": "LIM",
        "supervisor": "LIM",
    }


def test_a_second_run_creates_nothing_and_leaves_the_passwords_unchanged(db):
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert not printed_passwords(output)
    assert "caseworker, supervisor, auditor, administrator" in output
    assert summary_line(gettext("Offices"), 0, 5) in output
    assert summary_line(gettext("Staff users"), 0, 42) in output
    assert summary_line(gettext("Cases"), 0, 60) in output


def test_reset_passwords_gives_the_four_logins_new_passwords_and_changes_nothing_else(db):
    old_passwords = printed_passwords(seed())
    before = snapshot()

    new_passwords = printed_passwords(seed("--reset-passwords"))

    assert set(new_passwords) == set(DEMO_ROLES)
    for username in DEMO_ROLES:
        assert new_passwords[username] != old_passwords[username]
        assert sign_in(username=username, password=new_passwords[username]) is not None
        assert sign_in(username=username, password=old_passwords[username]) is None
    after = snapshot()
    changed = {old[0] for old, new in zip(before["users"], after["users"], strict=True) if old != new}
    assert changed == set(DEMO_ROLES)
    assert {key: value for key, value in after.items() if key != "users"} == {key: value for key, value in before.items() if key != "users"}


def test_an_interrupted_run_is_completed_by_the_next_with_the_same_data(db, monkeypatch):
    real_case_open, opened = services.case_open, []

    def failing_case_open(**kwargs):
        if len(opened) == 25:
            raise RuntimeError("interrupted")
        opened.append(1)
        return real_case_open(**kwargs)

    monkeypatch.setattr(services, "case_open", failing_case_open)
    with pytest.raises(RuntimeError, match="interrupted"):
        seed()
    assert Case.objects.count() == 25
    monkeypatch.setattr(services, "case_open", real_case_open)
    today = timezone.localdate()
    lost = ["auditor", *(plan.username for plan in seed_demo.staff_plan(today)[5:30:20])]  # a login and two other staff
    User.objects.filter(username__in=lost).delete()

    output = seed()

    assert Case.objects.count() == 60
    assert StaffProfile.objects.count() == 40
    assert User.objects.filter(username__in=lost).count() == 3
    assert set(printed_passwords(output)) == {"auditor"}
    for code, _name, _region, count in seed_demo.OFFICES:
        planned = sorted(
            (plan.person_fields["given_names"], plan.person_fields["family_names"], plan.case_fields["opened_on"])
            for plan in seed_demo.case_plan(code, count, today)
        )
        made = sorted(
            (case.person.given_names, case.person.family_names, case.opened_on) for case in Case.objects.filter(office__code=code)
        )
        assert made == planned, code


def test_the_demo_data_is_the_same_on_every_fresh_database():
    today = timezone.localdate()

    assert seed_demo.staff_plan(today) == seed_demo.staff_plan(today)
    for code, _name, _region, count in seed_demo.OFFICES:
        assert seed_demo.case_plan(code, count, today) == seed_demo.case_plan(code, count, today)
    assert len({plan.username for plan in seed_demo.staff_plan(today)}) == 42


def test_neither_the_log_nor_the_output_carries_a_persons_data(db, caplog):
    caplog.set_level(logging.DEBUG)

    output = seed()

    secrets = set()
    for person in Person.objects.all():
        secrets.add(f"{person.given_names} {person.family_names}")
        secrets |= {value for value in (person.document_number, person.phone, person.address) if value}
    logged = caplog.text
    assert not [secret for secret in secrets if secret in logged or secret in output]


def test_it_refuses_to_run_without_debug_unless_told_it_is_a_demo_server(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        seed()
    assert not Office.objects.exists()


def test_the_demo_cases_get_valid_teams_where_the_staff_allow_and_gaps_elsewhere(db):
    seed()
    caseworker_office = StaffProfile.objects.get(user__username="caseworker").office
    staffed = Case.objects.filter(team__isnull=False).distinct()
    assert staffed.exists()
    assert not staffed.filter(office=caseworker_office).exists(), "the demo caseworker keeps her intakes to staff"
    assert all(not case.team_breaks for case in staffed)
    assert all(case.team.filter(is_lead=True).count() == 1 for case in staffed)
    assert TeamProposal.objects.filter(feasible=False).exists(), "some offices lack people: evidence for the capacity report"
    members = TeamMember.objects.count()

    seed()
    assert TeamMember.objects.count() == members
    assert TeamProposal.objects.count() == Case.objects.exclude(office=caseworker_office).count()
