"""Case notes: encrypted, with author and time, editable by the author for 24 hours, then corrected."""

import datetime

import pytest
from django.utils import timezone

from casework import services
from casework.models import AccessAction, AccessEvent, CaseNote

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def add_note(client, case, text, **extra):
    return client.post(f"/cases/{case.pk}/notes/", {"text": text, **extra})


def test_a_note_is_saved_encrypted_with_its_author_and_shown_on_the_case_file(client, alice, editable_case):
    response = add_note(client, editable_case, "Visita en casa: está tranquila.")
    assert response.status_code == 302
    note = CaseNote.objects.get()
    assert (note.author, note.text, note.case_id) == (alice, "Visita en casa: está tranquila.", editable_case.pk)
    page = client.get(f"/cases/{editable_case.pk}/").content.decode()
    assert "Visita en casa: está tranquila." in page
    assert "alice" in page
    assert AccessEvent.objects.filter(action=AccessAction.CREATE, fields=["case_notes"]).exists()


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_an_empty_or_too_long_note_is_refused(client, editable_case, text):
    response = add_note(client, editable_case, text)
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    assert not CaseNote.objects.exists()


def test_the_author_may_edit_a_note_within_24_hours(client, alice, editable_case):
    note = services.note_add(actor=alice, case=editable_case, text="Primera versión")
    response = client.post(f"/cases/{editable_case.pk}/notes/{note.pk}/", {"text": "Versión corregida", "version": note.version})
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.text, note.edited_at is not None) == ("Versión corregida", True)


def test_after_24_hours_a_note_is_fixed_and_a_correction_is_offered(client, alice, editable_case, english):
    note = services.note_add(actor=alice, case=editable_case, text="Dijo que tiene 15 años")
    CaseNote.objects.filter(pk=note.pk).update(created_at=timezone.now() - datetime.timedelta(hours=24, minutes=1))
    response = client.post(f"/cases/{editable_case.pk}/notes/{note.pk}/", {"text": "cambiado", "version": 1})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{editable_case.pk}/notes/?corrects={note.pk}"
    note.refresh_from_db()
    assert note.text == "Dijo que tiene 15 años"
    correction_form = client.get(response["Location"]).content.decode()
    assert "Dijo que tiene 15 años" in correction_form
    assert add_note(client, editable_case, "Corrección: dijo 16 años", corrects=str(note.pk)).status_code == 302
    correction = CaseNote.objects.get(corrects=note)
    assert correction.text == "Corrección: dijo 16 años"
    page = client.get(f"/cases/{editable_case.pk}/").content.decode()
    assert "corrects the note of" in page
    assert "Dijo que tiene 15 años" in page


def test_only_the_author_may_edit_a_note(client, editable_case):
    colleague = UserFactory(username="bruno")
    note = services.note_add(actor=colleague, case=editable_case, text="Nota de Bruno")
    response = client.post(f"/cases/{editable_case.pk}/notes/{note.pk}/", {"text": "cambiado", "version": 1})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Nota de Bruno"
    with pytest.raises(services.NoteLocked):
        services.note_edit(actor=UserFactory(username="carla"), note=note, text="x", expected_version=1)


def test_a_stale_note_edit_keeps_what_was_typed(client, alice, editable_case):
    note = services.note_add(actor=alice, case=editable_case, text="Original")
    services.note_edit(actor=alice, note=note, text="Desde otra pestaña", expected_version=1)
    response = client.post(f"/cases/{editable_case.pk}/notes/{note.pk}/", {"text": "Lo que escribí", "version": 1})
    assert response.status_code == 409
    assert "Lo que escribí" in response.content.decode()
    note.refresh_from_db()
    assert note.text == "Desde otra pestaña"


def test_notes_of_another_case_or_garbage_ids_are_not_found(client, editable_case, lima):
    from ..factories import open_case

    other = open_case(lima)
    foreign = services.note_add(actor=UserFactory(username="zoe"), case=other, text="Ajena")
    assert client.get(f"/cases/{editable_case.pk}/notes/{foreign.pk}/").status_code == 404
    assert client.get(f"/cases/{editable_case.pk}/notes/?corrects=not-a-uuid").status_code == 404
    assert client.get(f"/cases/{other.pk}/notes/").status_code == 404
    assert add_note(client, editable_case, "x", corrects=str(foreign.pk)).status_code == 404


def test_anonymous_users_are_sent_to_login(client, editable_case):
    client.logout()
    response = client.get(f"/cases/{editable_case.pk}/notes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
