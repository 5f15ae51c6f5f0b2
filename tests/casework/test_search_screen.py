"""The search screen: POST only, blind index, only among visible cases, logged without the query."""

import pytest
from guardian.shortcuts import assign_perm

from casework.models import AccessAction, AccessEvent

from ..factories import open_case

pytestmark = pytest.mark.django_db


def search(client, query):
    return client.post("/search/", {"query": query})


@pytest.fixture
def visible_and_hidden(alice, lima):
    mine = open_case(lima, given_names="María José", family_names="Quispe Mamani", document_number="12.345.678")
    hidden = open_case(lima, given_names="María", family_names="Quispe Rojas", document_number="87654321")
    assign_perm("casework.view_case", alice, mine)
    return mine, hidden


def test_a_document_number_finds_the_case_whatever_its_punctuation(client, visible_and_hidden):
    mine, _ = visible_and_hidden
    response = search(client, "12345678")
    assert [case.pk for case in response.context["results"]] == [mine.pk]
    assert mine.reference in response.content.decode()


def test_names_find_only_the_cases_the_user_may_see(client, visible_and_hidden):
    mine, hidden = visible_and_hidden
    response = search(client, "maria quispe")
    assert [case.pk for case in response.context["results"]] == [mine.pk]
    assert hidden.reference not in response.content.decode()
    assert [case.pk for case in search(client, "87654321").context["results"]] == []


def test_a_search_is_logged_without_what_was_searched(client, alice, visible_and_hidden):
    search(client, "Quispe")
    event = AccessEvent.objects.filter(action=AccessAction.SEARCH).get()
    assert event.actor == alice
    assert event.detail == "1 results"
    assert "quispe" not in f"{event.detail} {event.fields} {event.object_id}".casefold()


def test_the_search_form_never_puts_the_query_in_the_url(client, alice):
    page = client.get("/search/").content.decode()
    assert 'method="post"' in page
    response = client.get("/search/", {"query": "Quispe"})
    assert response.context["results"] is None, "a query in the URL is ignored"


@pytest.mark.parametrize("query", ["", "x" * 201])
def test_an_empty_or_too_long_query_is_an_error(client, alice, query):
    response = search(client, query)
    assert response.status_code == 200
    assert "query" in response.context["form"].errors
    assert not AccessEvent.objects.filter(action=AccessAction.SEARCH).exists()


def test_anonymous_users_are_sent_to_login(client):
    assert search(client, "Quispe")["Location"].startswith("/accounts/login/")
