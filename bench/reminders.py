"""Follow-up reminders end to end: 100,000 visits falling due at once, swept from the database by
real Celery workers on a real Redis and PostgreSQL, beside one Celery ETA task per visit.

The world: 25 offices (one per region), 80 caseworkers each with an email address and a language
(es, en or none), and a supervisor per office. 100,000 cases in follow-up, each with a person
(encrypted fields sealed by bulk_create, as in bench/permissions.py), a team of 3 (DOMAIN.md's
smallest) holding guardian's direct view_case and change_case rows, a plan and one visit at the
DUE stage: its window opens today in Lima, the upcoming reminder went out a week ago, and
`next_reminder_at` is midnight in Lima today, in the past. Everything is bulk-inserted in batches,
then VACUUM ANALYZEd as autovacuum would. So 300,000 reminders are expected: one DUE reminder (a
row, an in-app notification and an email) per visit and team member; supervisors are not told yet.

The database as the schedule (what followup.reminders does): an isolated redis-server on a port
of its own (--save "" --appendonly no) and one Celery worker as production starts it
(`python -m celery -A config worker --pool=prefork --concurrency=2`), DEBUG off, on this very
database with this process's keys, its email backend tests.integration.outbox.AppendOnlyOutbox
(one line per email: its X-Reminder header, the reminder's id). Once the worker waits on its
queue, ONE `followup.sweep_reminders` message is sent, what beat sends every
REMINDER_SWEEP_SECONDS; no beat runs, so one sweep claims every visit, 500 at a time, while the
other pool process delivers the emails it dispatches on each commit. The clock runs from that
message until no visit is due and no reminder lacks `emailed_at` (both asked every 0.25 s through
their partial indexes): `sweep_s` is when the last visit was claimed (all reminder rows exist),
`seconds_end_to_end` when the last email was sent. Checked, not assumed: duplicate_reminder_rows
(rows minus distinct (visit, kind, recipient)), lost (expected minus emailed), duplicate_emails
(outbox lines minus distinct ids). Not measured: a mail server (an SMTP backend would also render
each message and wait for the server's answer).

The alternative, in the same run: one `apply_async(eta=...)` per visit, scheduled when the visit
is planned, its reminder due at midnight in Lima on a day within the next two years, onto a second
isolated redis-server without persistence (the default of a Redis nobody configured for
durability) with no worker consuming. Measured: the enqueue time and rate, Redis's used_memory
after minus before, then `SHUTDOWN NOSAVE` and a restart, after which the queue is counted:
eta_lost_after_restart is what a Redis restart (or crash) loses. The sweep loses nothing that way:
Redis only ever holds deliveries under way, whose rows keep their lease and are dispatched again.

What the comparison shows: the sweep pays nothing when a visit is planned (its schedule is a column
and a partial index) and, when everything falls due at once, makes, notifies and emails each
reminder exactly once; its cost is the sweep itself, one process claiming batch after batch,
which `sweep_s` measures. The ETA way pays a broker round trip per visit at planning time (its
enqueue rate is below the sweep's whole rate of reminders made and emailed), keeps about a
kilobyte per future reminder in Redis's memory, and a Redis restarted without persistence
forgets every one of them, silently: nothing in the database says a reminder is missing.

Known problems of ETA tasks that this benchmark does not need to run to show:
- A worker does not leave ETA tasks in Redis: on receipt it raises its prefetch by one and keeps
  the message unacknowledged in its in-memory timer until the ETA (celery/worker/strategy.py,
  `consumer.qos.increment_eventually()`; "Tasks with an ETA ... are entered into the timer",
  https://docs.celeryq.dev/en/stable/internals/worker.html). 100,000 visits over two years would
  live in the workers' memory, unless worker_eta_task_limit (unset by default) caps it.
- Redis emulates acknowledgements with a visibility timeout: a message not acknowledged within it
  is delivered again to another worker, and the Celery docs warn that ETA/countdown tasks due
  later than the timeout are therefore executed again and again, in a loop
  (https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#redis-caveats;
  reports: https://github.com/celery/celery/issues/2599, https://github.com/celery/kombu/issues/337).
  Ours is 3600 s (config/settings.py): any reminder more than an hour ahead would come back every
  hour. Raising it past the longest ETA (two years) would delay by as long the redelivery of a
  task whose worker was killed.

On SQLite (one writer at a time) the topic runs with 5,000 visits, and `reduced_size_for_sqlite`
says so; without a redis-server on the PATH it reports only `redis_server_available: 0`. On
PostgreSQL the topic takes about five minutes on 2 cores, three of them seeding.
"""

import contextlib
import datetime
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from itertools import islice
from pathlib import Path
from urllib.parse import quote

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone

from bench.common import goal
from casework.choices import AgeBand, CaseStatus, Gender, Region, Sector
from casework.models import Case, CaseUserObjectPermission, Notification, Office, Person, StaffProfile, User
from casework.roles import Role
from followup import reminders
from followup.models import FollowUpPlan, Reminder, Visit, VisitStatus
from followup.schedule import ReminderKind, Track, add_months

BASE_DIR = Path(__file__).resolve().parent.parent
VISITS = 100_000
SQLITE_VISITS = 5_000  # SQLite has one writer at a time: the topic still runs, smaller, and says so
TEAM_SIZE = 3  # DOMAIN.md: a team has at least 3 members
STAFF_PER_OFFICE = 80
BATCH = 5_000
SEED = 20260501
SWEEP_REDIS_PORT = 6392
ETA_REDIS_PORT = 6393
CONCURRENCY = 2
ETA_HORIZON_DAYS = 730  # the alternative's reminders fall due over the next two years
POLL_SECONDS = 0.25
STALL_SECONDS = 120  # no progress for this long: stop waiting and count what is missing
START_SECONDS = 60
STOP_SECONDS = 30
OUTBOX_BACKEND = "tests.integration.outbox.AppendOnlyOutbox"  # one line (the X-Reminder header) per email
# What the worker's environment sets itself; the rest of this process's environment is inherited.
_CONFIGURED = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "VAR_DIR",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "FIELD_ENCRYPTION_ACTIVE_KEY",
    "BLIND_INDEX_KEY",
    "BLIND_INDEX_ACTIVE_KEY",
    "EMAIL_BACKEND",
    "TEST_OUTBOX_FILE",
    "TEST_OUTBOX_SEND_SECONDS",
    "REMINDER_SWEEP_SECONDS",
    "REMINDER_DELIVERY_LEASE_SECONDS",
    "LOG_LEVEL",
}


@shared_task(name="bench.remind_visit")
def remind_visit(visit_id, kind):
    """The alternative's task, one per visit, queued with an ETA when the visit is planned. Never
    consumed here: only its cost in Redis is measured."""
    raise NotImplementedError


# -- the data ------------------------------------------------------------------------------------


def batches(rows, size=BATCH):
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def lima_today():
    return timezone.localdate(timezone.now())


def create_offices():
    """One office per region, codes RAA, RAB, ... (no real office's code)."""
    codes = [f"R{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(len(Region.values))]
    Office.objects.bulk_create(
        Office(code=code, name=f"Benchmark office {code}", region=region) for code, region in zip(codes, Region.values, strict=True)
    )
    return list(Office.objects.filter(code__in=codes).order_by("code"))


def create_staff(rng, offices):
    """STAFF_PER_OFFICE caseworkers per office and one supervisor, all with an email address.
    Returns {office id: [caseworker ids]}."""
    people = []
    for office in offices:
        people += [(f"bench-{office.code.lower()}-{i:03d}", office, Role.CASEWORKER) for i in range(STAFF_PER_OFFICE)]
        people.append((f"bench-{office.code.lower()}-supervisor", office, Role.SUPERVISOR))
    users = [
        User(
            username=username,
            email=f"{username}@example.org",
            password="!",  # noqa: S106 (unusable)
            language=rng.choices(["es", "en", ""], [70, 20, 10])[0],
            is_active=True,
        )
        for username, _office, _role in people
    ]
    for batch in batches(users):
        User.objects.bulk_create(batch)
    ids = dict(User.objects.filter(username__startswith="bench-").values_list("username", "pk"))
    groups = dict(Group.objects.filter(name__in=[Role.CASEWORKER, Role.SUPERVISOR]).values_list("name", "pk"))
    Membership = User.groups.through
    Membership.objects.bulk_create(Membership(user_id=ids[username], group_id=groups[role]) for username, _office, role in people)
    StaffProfile.objects.bulk_create(
        StaffProfile(
            user_id=ids[username],
            gender=rng.choice([Gender.WOMAN, Gender.WOMAN, Gender.MAN]),
            disciplines=["SOCIAL_WORK"],
            sector=Sector.SOCIAL_PROTECTION,
            office=office,
            region=office.region,
            languages=["spa"],
        )
        for username, office, _role in people
    )
    profiles = dict(StaffProfile.objects.filter(user__username__endswith="-supervisor").values_list("office_id", "pk"))
    Supervised = StaffProfile.supervised_offices.through
    Supervised.objects.bulk_create(Supervised(staffprofile_id=profile, office_id=office) for office, profile in profiles.items())
    staff_of = {office.pk: [] for office in offices}
    for username, office, role in people:
        if role == Role.CASEWORKER:
            staff_of[office.pk].append(ids[username])
    return staff_of


def create_due_visits(rng, offices, staff_of, count, today):
    """`count` cases in follow-up, each with a team of TEAM_SIZE holding view and change, a plan and
    one visit whose window opens today: the upcoming reminder went out a week ago, the due one falls
    due at midnight in Lima. Committed batch by batch. Returns the visits' ids."""
    codenames = ["view_case", "change_case"]
    permissions = list(Permission.objects.filter(content_type__app_label="casework", codename__in=codenames).values_list("pk", flat=True))
    due = today + datetime.timedelta(days=7)
    care_ended_on = add_months(due, -1)
    falls_due_at = reminders.lima_midnight(today)
    sequence = {office.pk: 0 for office in offices}
    visit_ids = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        persons, cases, grants, plans = [], [], [], []
        for _ in range(size):
            office = rng.choice(offices)
            sequence[office.pk] += 1
            person = Person(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                given_names=f"Persona {start + len(persons):06d}",
                age_band=AgeBand.ADULT,
                gender=Gender.WOMAN,
            )
            opened_on = today - datetime.timedelta(days=rng.randrange(60, 720))
            case = Case(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                reference=f"{office.code}-{opened_on.year}-{sequence[office.pk]:05d}",
                person=person,
                office=office,
                region=office.region,
                status=CaseStatus.FOLLOW_UP,
                opened_on=opened_on,
                intake_completed_on=opened_on,
                care_ended_on=care_ended_on,
                next_visit_on=due,
            )
            team = rng.sample(staff_of[office.pk], TEAM_SIZE)
            persons.append(person)
            cases.append(case)
            grants += [
                CaseUserObjectPermission(user_id=user_id, permission_id=permission, content_object_id=case.pk)
                for user_id in team
                for permission in permissions
            ]
            plans.append(FollowUpPlan(case=case, care_ended_on=care_ended_on, created_by_id=team[0]))
        with transaction.atomic():
            Person.objects.bulk_create(persons)
            Case.objects.bulk_create(cases)
            CaseUserObjectPermission.objects.bulk_create(grants)
            FollowUpPlan.objects.bulk_create(plans)
            visits = Visit.objects.bulk_create(
                Visit(
                    plan=plan,
                    case_id=plan.case_id,
                    track=Track.ADULT,
                    offset_months=1,
                    due=due,
                    window_opens=today,
                    window_closes=due + datetime.timedelta(days=7),
                    reminder_stages_passed=1,  # UPCOMING went out
                    next_reminder_at=falls_due_at,
                )
                for plan in plans
            )
        visit_ids += [visit.pk for visit in visits]
    return visit_ids


def settle():
    """PostgreSQL: statistics and visibility map as autovacuum would leave them. SQLite: nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def expected_reminders(now):
    """(visit, DUE, team member) for every due visit: the active holders of change_case."""
    return CaseUserObjectPermission.objects.filter(
        permission__codename="change_case",
        user__is_active=True,
        content_object__visits__status=VisitStatus.PLANNED,
        content_object__visits__next_reminder_at__lte=now,
    ).count()


# -- the processes -------------------------------------------------------------------------------


def free_port(preferred):
    """`preferred` if nothing listens there, else a port the system picks."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def stop(process):
    """SIGTERM (a Celery worker's warm shutdown), then SIGKILL of its process group."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)


class RedisServer:
    """An isolated redis-server without persistence (--save "" --appendonly no), on a port of its own."""

    def __init__(self, folder, port):
        self.folder, self.port, self.process = Path(folder), port, None
        self.folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=2, socket_timeout=30)

    def start(self):
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.folder), "--loglevel", "warning"]
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while True:
            with contextlib.suppress(Exception):
                if self.client().ping():
                    return self
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start: {self.log()}")
            time.sleep(0.05)

    def shutdown_nosave(self):
        """What a restart (or a crash) does to a Redis without persistence."""
        with contextlib.suppress(Exception):
            self.client().shutdown(nosave=True)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            stop(self.process)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.shutdown_nosave()

    def used_memory(self):
        return self.client().info("memory")["used_memory"]

    def log(self):
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def worker_database_url():
    """This process's (throwaway) database as a DATABASE_URL for the workers."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(str(database["PASSWORD"]), safe="")
        host, port = database["HOST"] or "localhost", database["PORT"] or 5432
        return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'], safe='')}"
    raise RuntimeError(f"no worker DATABASE_URL for a {connection.vendor} database")


def worker_environment(redis, folder, outbox):
    """Production mode (DEBUG off: no query log), this database, this process's keys, the isolated
    Redis and the outbox."""
    environment = {name: value for name, value in os.environ.items() if name.removesuffix("_FILE") not in _CONFIGURED}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        ALLOWED_HOSTS="localhost",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        DATABASE_URL=worker_database_url(),
        VAR_DIR=str(folder / "var"),
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=settings.FIELD_ENCRYPTION_KEYS,
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
        REDIS_URL=redis.url,
        EMAIL_BACKEND=OUTBOX_BACKEND,
        TEST_OUTBOX_FILE=str(outbox),
    )
    for name in ("FIELD_ENCRYPTION_ACTIVE_KEY", "BLIND_INDEX_ACTIVE_KEY"):
        if getattr(settings, name):
            environment[name] = getattr(settings, name)
    return environment


def start_worker(redis, folder, outbox):
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", f"--concurrency={CONCURRENCY}"]
    command += ["--loglevel=WARNING", "--hostname", f"bench-reminders-{uuid.uuid4().hex[:8]}@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    (folder / "var").mkdir(exist_ok=True)
    with (folder / "worker.log").open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=worker_environment(redis, folder, outbox),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def worker_log(folder):
    path = folder / "worker.log"
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""


def wait_until_ready(worker, redis, folder):
    """A worker is ready once it waits on the queue (BRPOP). (A control ping would go out through
    this process's default broker, not the isolated Redis.)"""
    client = redis.client()
    deadline = time.monotonic() + START_SECONDS
    while not any(peer.get("cmd") == "brpop" for peer in client.client_list()):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Celery worker did not start:\n{worker_log(folder)}")
        time.sleep(0.1)


class Outbox:
    """The lines the workers' email backend appended, read as they grow."""

    def __init__(self, path):
        self.path, self.offset, self.lines = Path(path), 0, []

    def read(self):
        if self.path.exists():
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            self.offset += len(complete)
            self.lines += complete.decode().split()
        return len(self.lines)


# -- the two ways --------------------------------------------------------------------------------


def sweep_end_to_end(folder, due_at):
    """Workers on an isolated Redis; one sweep task sent; waits until no visit is due and no
    reminder is unsent. Returns the timings and the outbox."""
    from config.celery import app
    from followup.tasks import sweep_reminders

    redis = RedisServer(folder / "redis-sweep", free_port(SWEEP_REDIS_PORT)).start()
    outbox = Outbox(folder / "outbox.txt")
    worker = None
    try:
        worker = start_worker(redis, folder, outbox.path)
        wait_until_ready(worker, redis, folder)
        due = Visit.objects.filter(status=VisitStatus.PLANNED, next_reminder_at__lte=due_at)
        unsent = Reminder.objects.filter(emailed_at__isnull=True)
        start = time.perf_counter()
        with app.connection_for_write(redis.url) as broker:
            sweep_reminders.apply_async(connection=broker)
        swept_s = done_s = None
        progress, progressed_at = None, start
        while True:
            time.sleep(POLL_SECONDS)
            now = time.perf_counter()
            if swept_s is None and not due.exists():
                swept_s = now - start
            if swept_s is not None and not unsent.exists():
                done_s = now - start
                break
            state = (swept_s, outbox.read())
            if state != progress:
                progress, progressed_at = state, now
            elif now - progressed_at > STALL_SECONDS or worker.poll() is not None:
                break
        outbox.read()
        return {"swept_s": swept_s, "done_s": done_s, "outbox": outbox.lines, "worker_exit": worker.poll()}
    finally:
        if worker is not None:
            stop(worker)
        redis.stop()


def eta_alternative(folder, visit_ids, today):
    """One ETA task per visit on another isolated Redis with no worker: enqueue cost, memory, and
    what is left after a restart."""
    from config.celery import app

    rng = random.Random(SEED + 1)
    etas = [reminders.lima_midnight(today + datetime.timedelta(days=rng.randrange(1, ETA_HORIZON_DAYS + 1))) for _ in visit_ids]
    redis = RedisServer(folder / "redis-eta", free_port(ETA_REDIS_PORT)).start()
    try:
        client = redis.client()
        before = redis.used_memory()
        with app.connection_for_write(redis.url) as broker:
            producer = app.amqp.Producer(broker)
            start = time.perf_counter()
            for visit_id, eta in zip(visit_ids, etas, strict=True):
                remind_visit.apply_async(args=[visit_id, str(ReminderKind.DUE)], eta=eta, producer=producer)
            enqueue_s = time.perf_counter() - start
        queued = client.llen("celery")
        memory = redis.used_memory() - before
        redis.shutdown_nosave()
        redis.start()
        remaining = redis.client().llen("celery")
        return {"enqueue_s": enqueue_s, "queued": queued, "memory": memory, "remaining": remaining}
    finally:
        redis.stop()


def run():
    if shutil.which("redis-server") is None:
        # make bench must not break on a machine without Redis; the figures say why they are missing.
        return {"figures": {"redis_server_available": 0}, "goals": {}}
    sqlite = connection.vendor == "sqlite"
    count = SQLITE_VISITS if sqlite else VISITS
    rng = random.Random(SEED)
    today = lima_today()

    seed_start = time.perf_counter()
    offices = create_offices()
    staff_of = create_staff(rng, offices)
    visit_ids = create_due_visits(rng, offices, staff_of, count, today)
    settle()
    seed_s = time.perf_counter() - seed_start

    due_at = timezone.now()
    expected = expected_reminders(due_at)
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    try:
        sweep = sweep_end_to_end(folder, due_at)
        eta = eta_alternative(folder, visit_ids, today)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    made = Reminder.objects.count()
    distinct = Reminder.objects.values("visit_id", "kind", "recipient_id").distinct().count()
    emailed = Reminder.objects.filter(emailed_at__isnull=False).count()
    seconds = sweep["done_s"]
    figures = {
        "visits": count,
        "reduced_size_for_sqlite": int(sqlite),
        "team_size": TEAM_SIZE,
        "staff": sum(len(ids) for ids in staff_of.values()),
        "offices": len(offices),
        "seed_s": round(seed_s, 1),
        "worker_processes": CONCURRENCY,
        "reminders_expected": expected,
        "reminders_made": made,
        "notifications_made": Notification.objects.filter(kind="VISIT_DUE").count(),
        "reminders_emailed": emailed,
        "sweep_s": round(sweep["swept_s"], 2) if sweep["swept_s"] is not None else -1,
        "seconds_end_to_end": round(seconds, 2) if seconds is not None else -1,
        "reminders_per_second": round(emailed / seconds) if seconds else 0,
        "duplicate_reminder_rows": made - distinct,
        "lost": expected - emailed,
        "outbox_lines": len(sweep["outbox"]),
        "duplicate_emails": len(sweep["outbox"]) - len(set(sweep["outbox"])),
        "eta_tasks": len(visit_ids),
        "eta_tasks_in_redis": eta["queued"],
        "eta_enqueue_seconds": round(eta["enqueue_s"], 2),
        "eta_enqueue_per_second": round(len(visit_ids) / eta["enqueue_s"]),
        "eta_redis_memory_bytes": eta["memory"],
        "eta_redis_bytes_per_task": round(eta["memory"] / len(visit_ids)),
        "eta_left_after_restart": eta["remaining"],
        "eta_lost_after_restart": len(visit_ids) - eta["remaining"],
    }
    goals = {"reminders_per_second": goal(emailed / seconds if seconds else 0, ">= 2000")}
    return {"topic": "reminders", "figures": figures, "goals": goals}
