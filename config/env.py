"""Small, strict readers for settings that come from the environment.

A value that cannot be understood stops the start-up with a message naming the variable, rather
than falling back silently to a default that the operator did not choose.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    """A string from NAME, or from the file named by NAME_FILE (for container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE points to {file_name!r}, which cannot be read: {error.strerror}.") from error
    return os.environ.get(name, default).strip()


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name, default, minimum=None):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def development_secret(var_dir, file_name, make_value):
    """Read a development-only secret from var/, creating it once on first use.

    Written with mode 0600 and never committed (var/ is git-ignored). Only called when DEBUG
    is on; production must supply every secret through the environment.
    """
    path = Path(var_dir) / file_name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{file_name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(make_value() + "\n")
    try:
        # A hard link publishes the complete file atomically; if another process (the web server
        # and the worker start together) got there first, its value wins and ours is dropped.
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def random_secret_key():
    return secrets.token_urlsafe(64)


def reminder_sweep_seconds():
    """How often the reminder sweep runs; read by the settings and by the beat schedule."""
    return env_int("REMINDER_SWEEP_SECONDS", 60, minimum=1)


def report_snapshot_seconds():
    """How often beat recomputes the views over several offices (config/snapshots.py); read by the settings and by beat."""
    return env_int("REPORT_SNAPSHOT_SECONDS", 300, minimum=10)
