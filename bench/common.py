"""What every benchmark topic shares: the throwaway database, timing, the machine, the result file.

A topic is a module bench/<topic>.py with `run() -> {"figures": {...}, "goals": {...}}`; it runs
inside `throwaway_database()` (bench/__main__.py sees to that) and never prints personal data.
"""

import gc
import json
import operator
import os
import platform
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"

_VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL", "oracle": "Oracle"}
_COMPARISONS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


@contextmanager
def throwaway_database(alias="default"):
    """A fresh test database (SQLite or PostgreSQL) for the duration; the real data is never touched."""
    from django.db import connections

    connection = connections[alias]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def machine(alias="default"):
    """Cores, memory, Python and database (e.g. "2 cores, 23.4 GiB memory, Python 3.11.9, SQLite 3.45.1")."""
    from django.db import connections

    connection = connections[alias]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    vendor = _VENDORS.get(connection.vendor, connection.vendor)
    version = ".".join(str(part) for part in connection.get_database_version())
    return f"{os.cpu_count()} cores, {memory:.1f} GiB memory, Python {platform.python_version()}, {vendor} {version}"


def seconds(fn):
    """Wall time of one call, garbage collected beforehand so one run's garbage does not bill the next."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_seconds(fn, *, repeats=3, before=None):
    """The median wall time of `repeats` calls of fn; `before` (untimed) resets the state for each."""
    samples = []
    for _ in range(repeats):
        if before is not None:
            before()
        samples.append(seconds(fn))
    return statistics.median(samples)


class Samples:
    """Timings collected by name across repeats, for topics that interleave what they compare."""

    def __init__(self):
        self._samples = defaultdict(list)

    def add(self, name, value):
        self._samples[name].append(value)

    def median(self, name):
        return statistics.median(self._samples[name])


def goal(value, target):
    """{"target": "<= 1.3", "value": 1.12, "met": True}; met is judged on the unrounded value."""
    comparison, _, threshold = target.partition(" ")
    return {"target": target, "value": round(value, 3), "met": bool(_COMPARISONS[comparison](value, float(threshold)))}


def write_result(topic, result, *, machine_description):
    """Writes bench/results/<topic>.json in the format DESIGN.md ("Benchmarks") fixes; returns the path."""
    document = {
        "topic": topic,
        "when": date.today().isoformat(),
        "machine": machine_description,
        "figures": result.get("figures", {}),
        "goals": result.get("goals", {}),
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{topic}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
