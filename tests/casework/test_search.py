"""Exact search through blind indexes: names by token, documents by number."""

import pytest

from casework.models import Person, PersonSearchToken
from casework.search import find_people

from ..factories import open_case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["maria", "QUISPE", "María Quispe", "  maría   josé ", "mamani"])
def test_maria_quispe_is_found_by_any_of_her_names_in_any_case_or_accent(maria_case, query):
    assert find_people(query) == [maria_case.person]


@pytest.mark.parametrize("query", ["12345678", "12.345.678", "12-345-678"])
def test_a_document_number_is_found_however_it_is_written(maria_case, query):
    assert find_people(query) == [maria_case.person]


def test_every_word_must_match(lima, maria_case):
    open_case(lima, given_names="María", family_names="Huamán")
    assert len(find_people("maria")) == 2
    assert find_people("maria quispe") == [maria_case.person]


def test_partial_names_do_not_match(maria_case):
    assert find_people("mari") == []
    assert find_people("quis") == []


def test_aliases_are_searchable(lima):
    case = open_case(lima, aliases=["La Flaca"])
    assert find_people("flaca") == [case.person]


def test_the_search_can_be_narrowed_to_the_people_a_user_may_see(lima, maria_case):
    other = open_case(lima, given_names="María").person
    assert find_people("maria", people=Person.objects.filter(pk=other.pk)) == [other]


def test_tokens_hold_no_name(maria_case):
    tokens = " ".join(PersonSearchToken.objects.values_list("token", flat=True))
    assert "maria" not in tokens.lower()
    assert "quispe" not in tokens.lower()


def test_renaming_a_person_replaces_the_tokens(maria_case):
    person = Person.objects.get(pk=maria_case.person.pk)
    person.family_names = "Condori"
    person.save()
    assert find_people("quispe") == []
    assert find_people("condori") == [person]
