"""`manage.py seed_scale`: a synthetic world people can sign in to, made fast, never over real data.

One small world (300 cases) is seeded for the whole module, inside a transaction rolled back at the
end; each test runs inside it.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from casework import services
from casework.access import cases_visible_to
from casework.age import assess
from casework.choices import AgeBand
from casework.fields import encrypted_fields
from casework.models import AccessEvent, Case, CaseNote, ConsentRecord, Office, Person, Review, StaffProfile, TeamMember, User
from casework.roles import Role
from casework.search import find_people
from followup import reminders
from followup.models import Visit, VisitRecord
from referrals.models import Referral

CASES = 300


def seed(**options):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_scale", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The output of `seed_scale --cases 300`; the world is rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = seed(cases=CASES, seed=7, i_know_this_is_not_production=True)
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def world(seeded, db):
    return seeded


def test_it_seeds_the_cases_people_staff_teams_visits_and_referrals_asked_for(world):
    assert Case.objects.count() == CASES
    assert Person.objects.count() == CASES
    assert Visit.objects.count() == 5 * CASES  # 5 visits per case on average
    assert VisitRecord.objects.exists()
    referrals = Referral.objects.count()
    assert 0.7 * CASES <= referrals <= 1.3 * CASES  # about one a case
    caseworkers = User.objects.filter(groups__name=Role.CASEWORKER).count()
    assert caseworkers == 25 * 4  # 25 offices, 4 caseworkers each at this size
    assert User.objects.filter(groups__name=Role.SUPERVISOR).count() == 25 + 1
    assert StaffProfile.objects.count() == caseworkers + 26
    teams = TeamMember.objects.filter(is_lead=True).count()
    assert 0.8 * CASES <= teams < CASES
    assert all(size in (3, 4) for size in TeamMember.objects.values("case").annotate(size=Count("pk")).values_list("size", flat=True))
    assert Office.objects.count() == 25


def test_people_of_every_age_band_are_there(world):
    assert set(Person.objects.values_list("age_band", flat=True)) == set(AgeBand.values)


def test_each_persons_age_band_follows_from_their_encrypted_age_evidence(world):
    today = timezone.localdate()
    people = list(Person.objects.all())
    for person in people:
        assessment = assess(person.age_evidence(), today)
        assert (assessment.band.value, assessment.presumed_minor) == (person.age_band, person.presumed_minor)
    presumed = [person for person in people if person.presumed_minor]
    assert presumed
    assert all(person.birth_date is None and person.age_estimate for person in presumed)


def test_every_encrypted_value_decrypts(world):
    for model in (Person, Case, CaseNote, Review, VisitRecord, Referral):
        fields = encrypted_fields(model)
        rows = list(model.objects.all())
        assert rows or model is Review, model  # a pending review for 1% of the open cases: maybe none of 300
        for row in rows:
            for field in fields:
                getattr(row, field.name)  # raises DecryptionError if a value did not decrypt
    names = [person.given_names for person in Person.objects.all()]
    assert all(names)
    assert len(set(names)) > 20


def test_a_person_is_found_by_name_and_document_number(world):
    person = next(person for person in Person.objects.all() if person.document_number)
    found_by_document = find_people(person.document_number)
    found_by_name = find_people(f"{person.given_names} {person.family_names}")
    assert person in found_by_document
    assert person in found_by_name


def test_the_access_log_chain_verifies(world):
    assert AccessEvent.objects.count() >= 2 * CASES  # a few events per case
    assert AccessEvent.objects.filter(action="CREATE").count() == CASES
    out = io.StringIO()
    call_command("verify_access_log", stdout=out, verbosity=0)
    assert str(AccessEvent.objects.count()) in out.getvalue()


def test_caseworkers_see_the_cases_of_their_teams_and_no_other(world):
    member = TeamMember.objects.select_related("user", "case").first()
    visible = cases_visible_to(member.user)
    assert member.case in visible
    assert set(visible.values_list("pk", flat=True)) <= set(
        Case.objects.filter(pk__in=TeamMember.objects.filter(user=member.user).values("case")).values_list("pk", flat=True)
    ) | set(Case.objects.filter(team__isnull=True).values_list("pk", flat=True))


def test_each_case_has_its_consent_in_force_matching_its_statistics_flag(world):
    for case in Case.objects.all():
        assert ConsentRecord.objects.filter(case=case).latest().statistics == case.in_statistics


def test_a_case_opened_afterwards_continues_the_numbering(world):
    office = Office.objects.get(code="QAA")
    case = services.case_open(
        actor=None,
        office=office,
        person_fields={"given_names": "Nueva", "birth_date": datetime.date(2000, 1, 1)},
        today=timezone.localdate(),
    )
    assert Case.objects.filter(reference=case.reference).count() == 1
    assert case.reference.endswith(f"{Case.objects.filter(office=office, opened_on__year=case.opened_on.year).count():05d}")


def test_the_reminder_sweep_has_nothing_to_catch_up_on_right_after(world):
    assert Visit.objects.filter(status="PLANNED", next_reminder_at__isnull=False).exists()
    assert reminders.sweep()["visits"] == 0


def test_the_output_has_counts_and_no_personal_data(world):
    out, _err = world
    assert str(CASES) in out
    assert not any(person.family_names in out for person in Person.objects.all()[:50])


def test_a_second_run_refuses_and_adds_nothing(world):
    with pytest.raises(CommandError, match=str(CASES)):
        seed(cases=10, i_know_this_is_not_production=True)
    assert Case.objects.count() == CASES


def test_it_refuses_to_run_with_debug_off_unless_told_this_is_not_production(db, settings):
    settings.DEBUG = False
    held = Case.objects.count()
    with pytest.raises(CommandError, match="DEBUG"):
        seed(cases=10)
    assert Case.objects.count() == held
