"""The figures of the dashboards and the indicators page, computed in the background and kept for a
few minutes.

They count an office's whole history (cases, visits, referrals): about a quarter of a second for
one office of 4,000 cases and a second for all 25 offices on 100,000 cases and 500,000 visits
(bench/results/reports.json), and growing with the data. So beat recomputes them every
REPORT_SNAPSHOT_SECONDS (`config.refresh_snapshots`: each office, each set of offices a supervisor
oversees, all of them) and the pages read what it kept; nobody waits, and each page says when its
figures were computed. A snapshot missing (beat not running yet) is computed by the request that
needs it, and kept. What a supervisor acts on at once stays live: the reviews waiting on the
dashboard, and the queues themselves; exports count when they are made.

They are kept in the "snapshots" cache, a database table (created at `migrate`, see config/apps.py):
shared by the web and worker processes, with nothing more to run or secure. Only counts are kept
(and staff ids with their open cases), never anything about a person in care.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

CACHE = "snapshots"


@dataclass(frozen=True)
class Snapshot:
    figures: object
    computed_at: datetime.datetime


def remembered(key, compute):
    """The Snapshot kept under `key`, or compute() now (and kept) when there is none."""
    return caches[CACHE].get(key) or refresh(key, compute)


def refresh(key, compute):
    """compute() now, kept under `key` until two refresh periods have passed (one missed beat is no harm)."""
    snapshot = Snapshot(compute(), timezone.now())
    caches[CACHE].set(key, snapshot, timeout=2 * settings.REPORT_SNAPSHOT_SECONDS)
    return snapshot


def key(view, today, *parts):
    """A cache key for `view`'s figures of `today` (a new day, new figures) and `parts` (offices, quarters...)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{view}:{today.isoformat()}:{digest}"
