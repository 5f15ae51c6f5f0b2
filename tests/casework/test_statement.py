"""The single statement: whether, where and when the person's account was taken, so nobody asks again."""

import pytest

from casework.models import Case

pytestmark = pytest.mark.django_db


def save(client, case, **fields):
    data = {"preferred_interviewer_gender": "WOMAN", "version": case.version, "seen_event": 0, **fields}
    return client.post(f"/cases/{case.pk}/statement/", data)


def test_a_statement_taken_in_the_single_interview_is_recorded_and_shown(client, editable_case, english):
    response = save(
        client,
        editable_case,
        statement_taken="on",
        statement_setting="SINGLE_INTERVIEW",
        statement_taken_on="2026-10-05",
        statement_reference="CF 123-2026",
    )
    assert response.status_code == 302
    case = Case.objects.select_related("person").get(pk=editable_case.pk)
    assert (case.statement_taken, case.statement_setting, case.statement_reference) == (True, "SINGLE_INTERVIEW", "CF 123-2026")
    assert case.person.preferred_interviewer_gender == "WOMAN"
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Do not take it again" in page
    assert "Cámara Gesell" in page


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"statement_taken": "on"}, "statement_setting"),
        ({"statement_setting": "POLICE"}, "statement_taken"),
        ({"statement_taken": "on", "statement_setting": "POLICE", "statement_taken_on": "2099-01-01"}, "statement_taken_on"),
        ({"preferred_interviewer_gender": "ROBOT"}, "preferred_interviewer_gender"),
        ({"statement_taken": "on", "statement_setting": "POLICE", "statement_reference": "x" * 201}, "statement_reference"),
    ],
)
def test_inconsistent_statement_details_are_refused(client, editable_case, fields, field):
    response = save(client, editable_case, **fields)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Case.objects.get(pk=editable_case.pk).version == 1
