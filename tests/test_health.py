"""GET /health/: what a monitor or a container healthcheck relies on.

200 only when the database answers, the broker answers (or is the embedded one) and the reminder
sweep keeps up; 503 naming the check that failed otherwise. Failures are made real (a closed
database connection, a Redis address nobody listens on), never by replacing the checks.
"""

import datetime
import os

import pytest
from django.db import connection
from guardian.shortcuts import assign_perm

from followup.models import Visit
from followup.services import plan_start

from .conftest import service_missing
from .factories import UserFactory, open_case

pytestmark = pytest.mark.django_db

# Port 1 on this machine: nothing listens, so the connection is refused at once.
UNREACHABLE_REDIS = "redis://:not-a-real-password@127.0.0.1:1/0"
# What an exception's text or a URL would leak: none of it may reach the body.
LEAKS = ("127.0.0.1", "not-a-real-password", "refused", "rror", "closed", "Traceback", "connect")


def expected_broker(settings):
    return "ok" if settings.REDIS_URL else "embedded"


def assert_no_leak(response):
    body = response.content.decode()
    assert not [leak for leak in LEAKS if leak.casefold() in body.casefold()], body


def test_all_well_answers_200_with_each_check_ok_and_no_sign_in(client, settings):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": expected_broker(settings), "reminder_sweep": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_a_reachable_redis_broker_answers_ok(client, settings):
    import redis

    # The Redis of the run, or the machine's (the SQLite pass of CI runs on the embedded broker).
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        service_missing(f"no Redis at {redis_url}")
    settings.REDIS_URL = redis_url
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_an_unreachable_broker_answers_503_naming_it_and_nothing_of_the_error(client, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failed", "reminder_sweep": "ok"}
    assert_no_leak(response)


@pytest.mark.django_db(transaction=True)  # the connection is closed under the test: no transaction to roll back
def test_a_lost_database_connection_answers_503_naming_it_and_nothing_of_the_error(client, settings):
    connection.ensure_connection()
    connection.connection.close()  # as when the server restarts under an open connection
    try:
        response = client.get("/health/")
    finally:
        connection.close()  # Django opens a new one for the next query
    assert response.status_code == 503
    assert response.json() == {"database": "failed", "broker": expected_broker(settings), "reminder_sweep": "unknown"}
    assert_no_leak(response)


def test_a_sweep_that_fell_behind_answers_503_naming_it(client, lima, settings):
    settings.REMINDER_SWEEP_SECONDS = 60
    lead = UserFactory(username="lena")
    case = open_case(lima, actor=lead, case_fields={"status": "FOLLOW_UP"})
    assign_perm("casework.change_case", lead, case)
    plan = plan_start(actor=lead, case=case, care_ended_on=case.opened_on)
    # A visit whose reminder fell due long ago and was never swept: no beat, or no worker.
    Visit.objects.filter(pk=plan.visits.order_by("due").first().pk).update(
        next_reminder_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["reminder_sweep"] == "stale"


def test_only_reading_is_allowed(client):
    assert client.post("/health/").status_code == 405
    assert client.head("/health/").status_code == 200
