"""The access log: append-only, hash-chained, and verified by manage.py verify_access_log."""

import io
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from casework import audit
from casework.models import AccessAction, AccessEvent, AccessLogCheck
from casework.tasks import verify_access_log
from tests.factories import open_case


@pytest.fixture
def case(lima):
    return open_case(lima)  # records a CREATE event


@pytest.fixture
def sequences(case):
    """Five events in all: the case's CREATE and four views of it."""
    for _ in range(4):
        audit.record(action=AccessAction.VIEW, target=case, fields=["summary"])
    found = list(AccessEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert found == [1, 2, 3, 4, 5]
    return found


def verify():
    """Run the command in English without a progress bar; return what it printed."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("verify_access_log", stdout=out, verbosity=0)
    return out.getvalue()


def assert_broken_at(sequence):
    with pytest.raises(CommandError, match=rf"row {sequence}\b") as error:
        verify()
    assert error.value.returncode != 0
    check = last_check()
    assert (check.ok, check.first_broken_sequence) == (False, sequence)
    return str(error.value)


def last_check():
    return AccessLogCheck.objects.order_by("-pk").first()


def execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_log_verifies_and_the_outcome_is_stored(sequences):
    assert verify().strip() == "All 5 rows are intact."
    check = last_check()
    assert (check.ok, check.rows_checked, check.first_broken_sequence) == (True, 5, None)


def test_an_empty_log_verifies(db):
    assert verify().strip() == "All 0 rows are intact."


def test_a_field_edited_in_the_database_is_detected_at_its_row(sequences):
    execute("UPDATE casework_accessevent SET detail = %s WHERE sequence = %s", ["nothing to see", 2])
    assert "changed" in assert_broken_at(2)


def test_an_action_edited_in_the_database_is_detected_at_its_row(sequences):
    execute("UPDATE casework_accessevent SET action = %s WHERE sequence = %s", [AccessAction.SEARCH, 4])
    assert_broken_at(4)


def test_a_middle_row_deleted_in_the_database_is_detected(sequences):
    execute("DELETE FROM casework_accessevent WHERE sequence = %s", [3])
    assert "missing" in assert_broken_at(3)


def test_two_rows_swapped_in_the_database_are_detected_at_the_first_of_them(sequences):
    execute("UPDATE casework_accessevent SET sequence = %s WHERE sequence = %s", [1000, 2])
    execute("UPDATE casework_accessevent SET sequence = %s WHERE sequence = %s", [2, 3])
    execute("UPDATE casework_accessevent SET sequence = %s WHERE sequence = %s", [3, 1000])
    assert_broken_at(2)


def test_the_last_row_deleted_in_the_database_is_detected(sequences):
    execute("DELETE FROM casework_accessevent WHERE sequence = %s", [5])
    assert "end" in assert_broken_at(5)


def test_the_command_shows_its_progress_on_stderr(sequences, capsys):
    with translation.override("en"):
        call_command("verify_access_log", stdout=io.StringIO())
    assert "5/5" in capsys.readouterr().err


def test_each_event_carries_the_hash_of_the_one_before_it(sequences):
    events = list(AccessEvent.objects.order_by("sequence"))
    assert events[0].previous_hash == audit.GENESIS_HASH
    for previous, event in pairwise(events):
        assert event.previous_hash == previous.hash
    for event in events:
        assert event.hash == audit.event_hash(event)


def test_saving_an_existing_event_again_is_refused(sequences):
    event = AccessEvent.objects.get(sequence=2)
    event.detail = "edited"
    with pytest.raises(PermissionError):
        event.save()


def test_deleting_an_event_is_refused(sequences):
    with pytest.raises(PermissionError):
        AccessEvent.objects.get(sequence=2).delete()


def test_updating_or_deleting_events_through_a_queryset_is_refused(sequences):
    with pytest.raises(PermissionError):
        AccessEvent.objects.filter(sequence=2).update(detail="edited")
    with pytest.raises(PermissionError):
        AccessEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessEvent.objects.bulk_update(list(AccessEvent.objects.all()), ["detail"])
    assert verify().strip() == "All 5 rows are intact."


def test_no_event_holds_the_name_or_identifiers_of_the_person(lima):
    secrets = ["Wayra Yupanqui", "Ccollana Tintaya", "44556677", "+51 955 111 222", "Calle Wiracocha 77"]
    case = open_case(
        lima,
        given_names=secrets[0],
        family_names=secrets[1],
        document_number=secrets[2],
        phone=secrets[3],
        address=secrets[4],
    )
    audit.record(action=AccessAction.VIEW, target=case, fields=["given_names", "family_names", "document_number"])
    audit.record(action=AccessAction.VIEW, target=case.person, fields=["phone", "address"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM casework_accessevent")
        rows = cursor.fetchall()
    assert len(rows) == 3
    words = {secret.casefold() for secret in secrets} | {word.casefold() for secret in secrets for word in secret.split() if len(word) > 3}
    for row in rows:
        for column in row:
            text = str(column).casefold()
            assert not any(word in text for word in words), column


def test_the_nightly_task_stores_the_outcome_of_the_check(sequences):
    assert verify_access_log() == {"ok": True, "rows": 5}
    assert last_check().ok

    execute("DELETE FROM casework_accessevent WHERE sequence = %s", [3])
    assert verify_access_log.run() == {"ok": False, "rows": 2}
    check = last_check()
    assert (check.ok, check.first_broken_sequence) == (False, 3)
