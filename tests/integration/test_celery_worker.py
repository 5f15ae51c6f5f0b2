"""A real Celery worker, started as a separate process, runs our tasks end to end.

The worker is `python -m celery -A config worker`, pointed at the very test database this test
uses (a file for SQLite, test_<name> for PostgreSQL) and at one broker: Redis, or the embedded
filesystem broker that `make run` uses without REDIS_URL. The test process publishes to the same
broker and watches the database, never the worker's memory.

How the test publishes: the project's Celery app reads its broker from the Django settings, which
may name the other broker (no REDIS_URL means the filesystem broker). So each message goes out
through `app.connection_for_write(url, transport_options=...)` passed as `connection=` to
`apply_async`: the task, its serialisation and its routing stay the app's own, only the broker
is chosen here. Each run uses its own queue (`-Q`), so stale messages in a shared Redis never
reach this worker, and the queue is deleted afterwards.

The filesystem worker runs with VAR_DIR set to a temporary folder, so its broker folders are
the test's own; VAR_DIR would also move the development keys, so the keys are passed explicitly.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import shared_task
from kombu import Exchange, Queue

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
WAIT_SECONDS = 60  # for a worker to start and run one task; it usually takes a few seconds
STOP_SECONDS = 20
POLL_SECONDS = 0.2
# Environment variables the worker must not inherit: each is set explicitly, or left out on purpose.
_CONFIGURED = (
    "DATABASE_URL",
    "REDIS_URL",
    "VAR_DIR",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_ENCRYPTION_ACTIVE_KEY",
    "BLIND_INDEX_KEY",
    "BLIND_INDEX_ACTIVE_KEY",
)


@shared_task(name="tests.integration.crash_once", bind=True)
def crash_once(self, folder):
    """A test helper. The first delivery records which process runs it and waits to be killed;
    a later delivery records itself and finishes. Only the worker of these tests imports it (-I).
    """
    folder = Path(folder)
    attempt = len(list(folder.glob("attempt-*.json"))) + 1
    record = {"pid": os.getpid(), "task_id": self.request.id, "redelivered": bool((self.request.delivery_info or {}).get("redelivered"))}
    draft = folder / f"attempt-{attempt}.draft"
    draft.write_text(json.dumps(record), encoding="utf-8")
    draft.replace(folder / f"attempt-{attempt}.json")  # appears complete, never half written
    if attempt == 1:
        deadline = time.monotonic() + WAIT_SECONDS  # the test kills this process long before
        while time.monotonic() < deadline:
            time.sleep(0.1)
    return attempt


class Broker:
    """Where the worker consumes and the test publishes: a URL, its transport options, the
    worker's environment for it, and a queue of this test's own."""

    def __init__(self, name, url, transport_options, environment):
        self.name, self.url, self.transport_options, self.environment = name, url, transport_options, environment
        self.queue = f"test-{uuid.uuid4().hex}"

    @contextlib.contextmanager
    def connection(self):
        from config.celery import app

        with app.connection_for_write(self.url, transport_options=self.transport_options) as connection:
            connection.ensure_connection(max_retries=3)
            yield connection

    def send(self, task, *args):
        with self.connection() as connection:
            return task.apply_async(args=args, queue=self.queue, connection=connection)

    def remaining_messages(self):
        with self.connection() as connection:
            return self._queue(connection).queue_declare().message_count

    def delete_queue(self):
        with self.connection() as connection:
            queue = self._queue(connection)
            queue.declare()  # makes this process know the bindings it is about to delete
            queue.purge()
            queue.delete()

    def _queue(self, connection):
        return Queue(self.queue, Exchange(self.queue, type="direct"), routing_key=self.queue)(connection.default_channel)


def _redis_broker(tmp_path):
    import redis
    from django.conf import settings

    url = settings.REDIS_URL or DEFAULT_TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.exceptions.RedisError, OSError) as error:
        from tests.conftest import service_missing

        service_missing(f"Redis at {url} does not answer: {error}")
    return Broker("redis", url, {}, {"REDIS_URL": url})


def _filesystem_broker(tmp_path):
    # The layout config/settings.py gives the filesystem broker under VAR_DIR.
    folder = tmp_path / "var" / "celery-broker"
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
    }
    for path in {options["data_folder_in"], options["control_folder"]}:
        Path(path).mkdir(parents=True, exist_ok=True)
    return Broker("filesystem", "filesystem://", options, {})


@pytest.fixture(params=["redis", "filesystem"])
def broker(request, tmp_path):
    chosen = {"redis": _redis_broker, "filesystem": _filesystem_broker}[request.param](tmp_path)
    yield chosen
    chosen.delete_queue()


@pytest.fixture
def redis_broker(tmp_path):
    chosen = _redis_broker(tmp_path)
    yield chosen
    chosen.delete_queue()


def worker_database_url():
    """The test database, as a DATABASE_URL for the worker (created by pytest-django by now)."""
    from django.db import connection

    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"], safe="")
        return f"postgres://{credentials}@{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}/{quote(database['NAME'], safe='')}"
    pytest.fail(f"no worker DATABASE_URL for a {connection.vendor} database")


def worker_environment(broker, var_dir):
    from django.conf import settings

    environment = {name: value for name, value in os.environ.items() if name.removesuffix("_FILE") not in _CONFIGURED}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        DATABASE_URL=worker_database_url(),
        VAR_DIR=str(var_dir),
        # VAR_DIR would give the worker new development keys: it must use the test process's.
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=settings.FIELD_ENCRYPTION_KEYS,
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
        **broker.environment,
    )
    for name in ("FIELD_ENCRYPTION_ACTIVE_KEY", "BLIND_INDEX_ACTIVE_KEY"):
        if getattr(settings, name):
            environment[name] = getattr(settings, name)
    return environment


class Worker:
    def __init__(self, process, log):
        self.process, self.log = process, log

    def output(self, limit=12_000):
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return text[-limit:]

    def wait_for(self, what, check, timeout=WAIT_SECONDS):
        """Poll `check` until it returns something truthy; fail with the worker's output if the
        worker exits or the time runs out first."""
        deadline = time.monotonic() + timeout
        while True:
            found = check()
            if found:
                return found
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}) before {what}.\n--- worker output ---\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {timeout} s.\n--- worker output ---\n{self.output()}")
            time.sleep(POLL_SECONDS)


def _stop(process):
    """Warm shutdown first (SIGTERM lets the current task finish), SIGKILL as a last resort."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        # The worker leads its own process group (start_new_session) and is not reaped yet, so the
        # group holds only the worker and its pool processes.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)


@contextlib.contextmanager
def celery_worker(broker, tmp_path, pool="solo"):
    var_dir = tmp_path / "var"
    var_dir.mkdir(exist_ok=True)
    log = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        f"--pool={pool}",
        "--concurrency=1",
        "--loglevel=INFO",
        "--queues",
        broker.queue,
        "--hostname",
        f"{broker.queue}@%h",
        "--include",
        __name__,  # the helper task above
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=worker_environment(broker, var_dir),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, log)
    try:
        yield worker
    finally:
        _stop(process)


def test_a_real_worker_runs_the_access_log_check_and_stores_its_outcome(broker, tmp_path):
    from casework.models import AccessEvent, AccessLogCheck
    from casework.tasks import verify_access_log
    from tests.factories import OfficeFactory, open_case

    # Committed data the worker can only see if it uses this very database.
    open_case(OfficeFactory(code="WRK"))
    events = AccessEvent.objects.count()
    assert events >= 1
    assert not AccessLogCheck.objects.exists()

    with celery_worker(broker, tmp_path) as worker:
        broker.send(verify_access_log)
        check = worker.wait_for(f"access log check from the worker on {broker.name}", AccessLogCheck.objects.first)

    assert worker.process.returncode == 0, f"the worker did not shut down cleanly:\n{worker.output()}"
    assert check.ok, check.message
    assert check.rows_checked == events
    assert AccessLogCheck.objects.count() == 1
    assert broker.remaining_messages() == 0, "the message was not acknowledged"


def test_a_task_whose_worker_process_is_killed_mid_task_is_delivered_again(redis_broker, tmp_path):
    """acks_late + reject_on_worker_lost: the message goes back to the queue, and a new pool
    process runs the task again. (Killing the whole worker instead would leave the message
    waiting for Redis's visibility timeout, an hour in our settings.)"""
    attempts = tmp_path / "attempts"
    attempts.mkdir()

    def attempt(number):
        path = attempts / f"attempt-{number}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    with celery_worker(redis_broker, tmp_path, pool="prefork") as worker:
        sent = redis_broker.send(crash_once, str(attempts))
        first = worker.wait_for("first run of the task", lambda: attempt(1))
        assert first["pid"] != worker.process.pid, "the task should run in a pool process, not in the worker itself"
        os.kill(first["pid"], signal.SIGKILL)
        second = worker.wait_for("second run of the task after its process was killed", lambda: attempt(2))

    # A warm shutdown lets the second run finish and be acknowledged; a message left unacknowledged
    # would have gone back to the queue when the worker closed its connection.
    assert worker.process.returncode == 0, f"the worker did not shut down cleanly:\n{worker.output()}"
    assert first["task_id"] == second["task_id"] == sent.id
    assert second["pid"] != first["pid"]
    assert second["redelivered"], "the second run should be a redelivery of the same message"
    assert attempt(3) is None, "the task ran more than twice"
    assert redis_broker.remaining_messages() == 0
