"""Intake is a draft until every section has been saved and someone completes it."""

import pytest

from casework.models import Case

from .test_safety_consent_needs import MINOR_CONSENT, SAFETY, save
from .test_situation import SITUATION

pytestmark = pytest.mark.django_db


def test_a_new_case_is_a_draft_listing_what_is_missing(client, editable_case, english):
    page = client.get(f"/cases/{editable_case.pk}/").content.decode()
    assert "Intake in progress (draft)" in page
    for section in ("situation", "statement", "safety", "consent", "needs"):
        assert f'href="/cases/{editable_case.pk}/{section}/"' in page
    assert f'href="/cases/{editable_case.pk}/identity/"' in page, "the identity can be edited too"
    assert "Safety and safe contact</a>, <a" in page
    assert "Complete intake" not in page
    assert "Intake draft" in client.get("/").content.decode()


def test_intake_cannot_be_completed_with_sections_missing(client, editable_case):
    save(client, editable_case, "situation", **SITUATION)
    response = client.post(f"/cases/{editable_case.pk}/complete-intake/")
    assert response.status_code == 302
    case = Case.objects.get(pk=editable_case.pk)
    assert (case.intake_completed_on, case.status, case.intake_sections) == (None, "INTAKE", ["identity", "situation"])


def test_with_every_section_saved_the_intake_is_completed(client, editable_case, english):
    save(client, editable_case, "situation", **SITUATION)
    save(client, editable_case, "statement", preferred_interviewer_gender="WOMAN")
    save(client, editable_case, "safety", **SAFETY)
    save(client, editable_case, "consent", **MINOR_CONSENT)
    save(client, editable_case, "needs", needs=["SHELTER_MINORS"])
    assert "Complete intake" in client.get(f"/cases/{editable_case.pk}/").content.decode()
    assert client.post(f"/cases/{editable_case.pk}/complete-intake/").status_code == 302
    case = Case.objects.get(pk=editable_case.pk)
    assert case.intake_completed_on is not None
    assert case.status == "IMMEDIATE_ASSISTANCE"
    assert "Intake in progress" not in client.get(f"/cases/{case.pk}/").content.decode()


def test_completing_needs_post_and_the_change_permission(client, editable_case, alice):
    from guardian.shortcuts import remove_perm

    assert client.get(f"/cases/{editable_case.pk}/complete-intake/").status_code == 405
    remove_perm("casework.change_case", alice, editable_case)
    assert client.post(f"/cases/{editable_case.pk}/complete-intake/").status_code == 404
