"""The access log screen: auditors only; filter by user, case, action and date; chain status on top."""

import pytest
from django.contrib.auth.models import Group

from casework import audit
from casework.models import AccessAction
from casework.roles import Role

from ..factories import UserFactory, open_case, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client):
    user = UserFactory(username="aurora")
    user.groups.add(Group.objects.get(name=Role.AUDITOR))
    sign_in(client, user)
    return user


@pytest.fixture
def events(lima):
    carla, bruno = UserFactory(username="carla"), UserFactory(username="bruno")
    first, second = open_case(lima, actor=carla), open_case(lima, actor=bruno)
    audit.record(action=AccessAction.VIEW, target=first, actor=bruno, fields=["given_names"])
    return first, second


def test_auditors_see_events_newest_first_with_no_values(client, auditor, events, english):
    response = client.get("/access-log/")
    sequences = [event.sequence for event in response.context["page"].object_list]
    assert sequences == sorted(sequences, reverse=True)
    assert len(sequences) == 3
    page = response.content.decode()
    assert "Viewed" in page
    assert "given_names" in page
    assert "Rosa" not in page
    assert "Access log" in client.get("/").content.decode(), "the header links auditors to the log"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "bruno"}, 2),
        ({"user": "carla"}, 1),
        ({"action": "VIEW"}, 1),
        ({"since": "2000-01-01", "until": "2100-01-01", "action": "CREATE"}, 2),
        ({"until": "2000-01-01"}, 0),
    ],
)
def test_filters(client, auditor, events, query, expected):
    assert client.get("/access-log/", query).context["page"].paginator.count == expected


def test_filter_by_case_reference(client, auditor, events):
    first, _ = events
    response = client.get("/access-log/", {"reference": first.reference.lower()})
    assert {event.object_ref for event in response.context["page"].object_list} == {first.reference}


def test_a_reversed_date_range_is_an_error(client, auditor, events):
    response = client.get("/access-log/", {"since": "2026-11-20", "until": "2026-11-01"})
    assert "until" in response.context["form"].errors


def test_the_chain_status_is_shown(client, auditor, events, english):
    assert "has not been verified yet" in client.get("/access-log/").content.decode()
    audit.save_chain_report(audit.verify_chain())
    assert "none altered or missing" in client.get("/access-log/").content.decode()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_other_roles_may_not_read_the_log(client, role):
    user = UserFactory(username=f"x-{role}")
    user.groups.add(Group.objects.get(name=role))
    sign_in(client, user)
    assert client.get("/access-log/").status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    assert client.get("/access-log/")["Location"].startswith("/accounts/login/")


def test_page_links_keep_the_filters(client, auditor, lima):
    carla = UserFactory(username="carla")
    for _ in range(51):
        open_case(lima, actor=carla)
    page = client.get("/access-log/", {"user": "carla", "action": "CREATE"}).content.decode()
    assert 'href="?user=carla&amp;action=CREATE&amp;page=2"' in page
