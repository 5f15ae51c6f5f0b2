"""Opening and editing cases through casework.services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from casework import services
from casework.models import AccessAction, AccessEvent, Case, Person
from casework.roles import Role
from casework.search import find_people

from ..factories import OfficeFactory, UserFactory, open_case

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 23)


def test_opening_a_case_derives_the_age_band_and_records_an_event(lima):
    alice = UserFactory(username="alice")
    case = open_case(lima, actor=alice, birth_date=datetime.date(2009, 3, 14), today=TODAY)
    assert case.reference == "LIM-2026-00001"
    assert (case.person.age_band, case.person.presumed_minor) == ("ADOLESCENT", False)
    assert case.person.age_band_changes_in == datetime.date(2027, 3, 1)
    assert case.region == lima.region
    event = AccessEvent.objects.get(action=AccessAction.CREATE)
    assert (event.actor, event.object_id, event.object_ref) == (alice, str(case.pk), case.reference)
    assert "given_names" in event.fields


def test_references_count_per_office_and_year(lima):
    cusco = OfficeFactory(code="CUS", region="08")
    refs = [open_case(office, today=TODAY).reference for office in (lima, lima, cusco)]
    refs.append(open_case(lima, today=datetime.date(2027, 1, 2)).reference)
    assert refs == ["LIM-2026-00001", "LIM-2026-00002", "CUS-2026-00001", "LIM-2027-00001"]


def test_an_estimated_adolescent_is_presumed_minor(lima):
    case = open_case(lima, birth_date=None, age_estimate={"min": 15, "max": 19, "estimated_on": "2026-11-01"}, today=TODAY)
    assert case.person.presumed_minor
    assert case.person.age_band == "ADOLESCENT"


@pytest.mark.parametrize(
    ("person_fields", "field"),
    [
        ({"birth_date": datetime.date(2027, 1, 1)}, "birth_date"),
        ({"birth_date": None, "age_estimate": {"min": 17, "max": 12, "estimated_on": "2026-11-01"}}, "age_estimate"),
        ({"birth_date": None, "age_estimate": None}, "birth_date"),
        ({"given_names": "x" * 201}, "given_names"),
        ({"given_names": ""}, "given_names"),
        ({"gender": "ALIEN"}, "gender"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(lima, person_fields, field):
    with pytest.raises(ValidationError) as raised:
        open_case(lima, today=TODAY, **person_fields)
    assert field in raised.value.message_dict
    assert (Person.objects.count(), Case.objects.count(), AccessEvent.objects.count()) == (0, 0, 0)


def test_an_unknown_exploitation_code_is_refused(lima):
    with pytest.raises(ValidationError) as raised:
        open_case(lima, today=TODAY, case_fields={"exploitation_types": ["SEXUAL", "MAGIC"]})
    assert "exploitation_types" in raised.value.message_dict
    assert Person.objects.count() == 0


def test_age_errors_speak_the_users_language(lima):
    with pytest.raises(ValidationError) as raised, translation.override("es"):
        open_case(lima, today=TODAY, birth_date=datetime.date(2030, 1, 1))
    assert raised.value.message_dict["birth_date"] == ["La fecha de nacimiento no puede estar en el futuro."]


def test_an_edit_made_on_the_current_version_is_saved(maria_case):
    case = services.case_update(
        actor=None,
        case=maria_case,
        expected_version=1,
        person_fields={"family_names": "Quispe"},
        case_fields={"status": "IMMEDIATE_ASSISTANCE"},
    )
    assert case.version == 2
    reloaded = Case.objects.select_related("person").get(pk=case.pk)
    assert (reloaded.person.family_names, reloaded.status) == ("Quispe", "IMMEDIATE_ASSISTANCE")
    assert find_people("quispe") == [reloaded.person]
    assert find_people("mamani") == []


def test_a_stale_edit_is_refused_and_changes_nothing(maria_case):
    services.case_update(actor=None, case=maria_case, expected_version=1, case_fields={"summary": "first tab"})
    with pytest.raises(services.StaleEdit) as raised:
        services.case_update(actor=None, case=maria_case, expected_version=1, case_fields={"summary": "second tab"})
    assert raised.value.current_version == 2
    assert Case.objects.get(pk=maria_case.pk).summary == "first tab"


def test_a_failed_edit_leaves_the_version_alone(maria_case):
    with pytest.raises(ValidationError):
        services.case_update(actor=None, case=maria_case, expected_version=1, person_fields={"given_names": ""})
    case = Case.objects.get(pk=maria_case.pk)
    assert case.version == 1
    assert case.person.given_names == "María José"


def test_the_daily_refresh_moves_people_whose_band_changed(lima):
    case = open_case(lima, birth_date=datetime.date(2008, 12, 5), today=TODAY)
    assert case.person.age_band == "ADOLESCENT"
    assert services.person_refresh_age_bands(today=datetime.date(2026, 12, 4)) == 0
    assert services.person_refresh_age_bands(today=datetime.date(2026, 12, 5)) == 1
    person = Person.objects.get(pk=case.person.pk)
    assert (person.age_band, person.age_band_changes_in) == ("YOUNG_ADULT", datetime.date(2029, 12, 1))


def test_roles_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


def test_administrators_manage_staff_and_offices_but_not_case_content():
    from django.contrib.auth.models import Group

    administrator = UserFactory(username="admin1", is_staff=True)
    administrator.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    assert administrator.has_perms(["casework.change_user", "casework.add_office", "casework.change_staffprofile"])
    assert not administrator.has_perm("casework.view_case")
    assert not administrator.has_perm("casework.view_person")
    assert not administrator.has_perm("casework.delete_user")
