"""Appends from many connections at once never fork the access-log chain."""

import threading

import pytest
from django.db import connection

from casework import audit
from casework.models import AccessAction, AccessEvent

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_concurrent_appends_keep_one_unbroken_chain():
    writers, per_writer = 4, 15
    errors = []
    start = threading.Barrier(writers)

    def append_events(number):
        try:
            start.wait(timeout=10)
            for index in range(per_writer):
                audit.record(action=AccessAction.VIEW, object_type="casework.case", object_id=f"{number}-{index}")
        except Exception as error:  # reported below, with the thread number
            errors.append((number, repr(error)))
        finally:
            connection.close()

    threads = [threading.Thread(target=append_events, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    report = audit.verify_chain()
    assert report.ok, report.message
    assert report.rows_checked == writers * per_writer
    assert list(AccessEvent.objects.values_list("sequence", flat=True)) == list(range(1, writers * per_writer + 1))
