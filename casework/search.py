"""Exact search of people through blind indexes: name tokens and document numbers.

Tokens are HMACs of normalised values, so the database can match them without ever holding the
names. A match is only a candidate: it is decrypted and confirmed before it is returned.
"""

from .encryption import identifier_form, name_tokens
from .keys import blind_index
from .models import Person, PersonSearchToken, SearchPurpose


def _person_name_tokens(person):
    tokens = set()
    for text in [person.given_names, person.family_names, *person.aliases]:
        tokens |= name_tokens(text)
    return tokens


def tokens_for(person, key_id=None):
    """The (purpose, token) pairs a person should be findable by, under one blind-index key."""
    index = blind_index()
    pairs = {(SearchPurpose.NAME, index.token(token, purpose="name", key_id=key_id)) for token in _person_name_tokens(person)}
    document = identifier_form(person.document_number)
    if document:
        pairs.add((SearchPurpose.DOCUMENT, index.token(document, purpose="document", key_id=key_id)))
    return pairs


def sync_search_tokens(person):
    """Make the stored tokens exactly those of the person's current values, under the active key."""
    wanted = tokens_for(person)
    stored = set(PersonSearchToken.objects.filter(person=person).values_list("purpose", "token"))
    stale = stored - wanted
    if stale:
        PersonSearchToken.objects.filter(person=person, token__in=[token for _, token in stale]).delete()
    PersonSearchToken.objects.bulk_create(
        [PersonSearchToken(person=person, purpose=purpose, token=token) for purpose, token in wanted - stored]
    )


def find_people(query, people=None):
    """People whose document number equals `query`, or whose names contain every word of it.

    `people` narrows the search (e.g. to those the user may see). Returns a list, confirmed.
    """
    people = Person.objects.all() if people is None else people
    index = blind_index()
    document = identifier_form(query)
    words = name_tokens(query)
    matches = {}
    if document:
        tokens = index.lookup_tokens(document, purpose="document")
        for person in people.filter(search_tokens__purpose=SearchPurpose.DOCUMENT, search_tokens__token__in=tokens).distinct():
            if identifier_form(person.document_number) == document:
                matches[person.pk] = person
    if words:
        candidates = people
        for word in words:
            tokens = index.lookup_tokens(word, purpose="name")
            holders = PersonSearchToken.objects.filter(purpose=SearchPurpose.NAME, token__in=tokens).values("person")
            candidates = candidates.filter(pk__in=holders)
        for person in candidates:
            if words <= _person_name_tokens(person):
                matches[person.pk] = person
    return list(matches.values())
