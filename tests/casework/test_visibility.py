"""One predicate decides who sees which case: the team (object permissions) and the office's supervisors."""

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from casework.access import cases_visible_to
from casework.roles import Role, roles_of

from ..factories import OfficeFactory, UserFactory, open_case, supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_offices(lima):
    cusco = OfficeFactory(code="CUS", name="Cusco", region="08")
    return lima, cusco, [open_case(lima), open_case(lima)], [open_case(cusco)]


def test_a_supervisor_sees_every_case_of_the_offices_supervised_and_no_other(two_offices):
    lima, _cusco, lima_cases, _cusco_cases = two_offices
    sofia = supervisor("sofia", lima)
    assert set(cases_visible_to(sofia)) == set(lima_cases)


def test_supervising_needs_the_role_and_an_active_account(two_offices):
    lima, _cusco, _lima_cases, _ = two_offices
    sofia = supervisor("sofia", lima)
    sofia.groups.clear()
    assert not cases_visible_to(sofia).exists(), "a listed office without the supervisor role grants nothing"
    sofia.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    sofia.is_active = False
    sofia.save()
    assert not cases_visible_to(sofia).exists()


def test_team_permissions_and_supervision_add_up_without_duplicates(two_offices):
    _lima, cusco, lima_cases, cusco_cases = two_offices
    sofia = supervisor("sofia", cusco)
    assign_perm("casework.view_case", sofia, lima_cases[0])
    assign_perm("casework.view_case", sofia, cusco_cases[0])
    visible = list(cases_visible_to(sofia))
    assert sorted(case.pk for case in visible) == sorted([lima_cases[0].pk, cusco_cases[0].pk])


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMINISTRATOR, Role.CASEWORKER])
def test_other_roles_see_no_case_without_an_object_permission(two_offices, role):
    user = UserFactory(username=f"someone-{role}")
    user.groups.add(Group.objects.get(name=role))
    user.is_superuser = True
    user.save()
    assert not cases_visible_to(user).exists()


def test_the_visible_cases_are_one_query(two_offices, django_assert_num_queries):
    lima, *_ = two_offices
    sofia = supervisor("sofia", lima)
    roles_of(sofia)  # read once per request, by the header and the two-factor gate too
    with django_assert_num_queries(1):
        list(cases_visible_to(sofia))
