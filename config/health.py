"""GET /health/: whether this deployment can do its work, for a load balancer, a container
healthcheck or a monitor. Open without signing in, like /health/reminders/.

Three checks: the database answers a trivial query; the Celery broker (Redis, when REDIS_URL is
set) answers a PING within a short timeout; the reminder sweep keeps up (followup.reminders
judges that, here only reported). The body names each check and its state, nothing else: never
a host name, a secret or an exception's text. The log gets the exception's class, for the operator.
"""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from followup.reminders import sweep_health

logger = logging.getLogger(__name__)

# A monitor calls often and a load balancer waits on the answer: a broker that does not answer
# within this is as good as down.
BROKER_TIMEOUT_SECONDS = 2

OK = "ok"
FAILED = "failed"
EMBEDDED = "embedded"  # kombu's filesystem broker (no REDIS_URL): no server to ask
STALE = "stale"
UNKNOWN = "unknown"  # not checked, because what it needs (the database) failed
HEALTHY = {OK, EMBEDDED}


def _failed(check, error):
    logger.warning("health check %s failed: %s", check, type(error).__name__)
    return FAILED


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return _failed("database", error)
    return OK


def broker_state():
    if not settings.REDIS_URL:
        return EMBEDDED
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS
        )
    except ValueError as error:  # a URL redis-py cannot read
        return _failed("broker", error)
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        return _failed("broker", error)
    finally:
        client.close()
    return OK


def reminder_sweep_state(database):
    if database != OK:
        return UNKNOWN
    try:
        stale = sweep_health()["stale"]
    except DatabaseError as error:
        return _failed("reminder_sweep", error)
    return STALE if stale else OK


def health_report():
    """The state of each check, by name; healthy when every one is ok (or the embedded broker)."""
    database = database_state()
    return {"database": database, "broker": broker_state(), "reminder_sweep": reminder_sweep_state(database)}


@never_cache
@require_safe
def health(request):
    report = health_report()
    healthy = all(state in HEALTHY for state in report.values())
    return JsonResponse(report, status=200 if healthy else 503)
