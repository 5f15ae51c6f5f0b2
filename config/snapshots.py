"""Figures over many offices at once, computed in the background and kept for a few minutes.

The views over every office (the indicators page of all of them, the dashboard of a supervisor of
several) aggregate every case and visit: about a second on 100,000 cases and 500,000 visits
(bench/results/reports.json), where one office's views take a quarter of that. So beat recomputes
them every REPORT_SNAPSHOT_SECONDS (`refresh_snapshots`) and the pages read what it kept; nobody
waits, and each such page says when its figures were computed. A snapshot missing (beat not running
yet, a new combination of offices) is computed by the request that needs it, and kept.

They are kept in the "snapshots" cache, a database table (created at `migrate`, see config/apps.py):
shared by the web and worker processes, with nothing more to run or secure. Only counts are kept,
never anything about a person. One office's views stay live: they are fast, and they are a
supervisor's daily work.
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
