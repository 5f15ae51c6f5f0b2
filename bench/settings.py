"""The project's settings plus the benchmark models, used only by `python -m bench`.

The test database gets a name of its own so that a benchmark never clobbers the one a test run
is using at the same moment (pytest uses var/test-db.sqlite3 or test_<name>).
"""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.benchapp"]  # noqa: F405

# django-fernet-encrypted-fields derives its key from SECRET_KEY and this salt (PBKDF2).
SALT_KEY = "casework-benchmark-salt"  # a benchmark salt, it protects nothing

_default = DATABASES["default"]  # noqa: F405
if _default["ENGINE"] == "django.db.backends.sqlite3":
    _bench_db_name = str(VAR_DIR / "bench-db.sqlite3")  # noqa: F405
else:
    _bench_db_name = f"test_{_default['NAME']}_bench"
_default["TEST"] = {**_default.get("TEST", {}), "NAME": _bench_db_name}

# Measure what production runs: DEBUG=1 in the environment only spares us the production secrets;
# Django's DEBUG would also log every query (and, on SQLite, re-quote every parameter to do so).
DEBUG = False
