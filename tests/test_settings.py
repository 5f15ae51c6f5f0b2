"""Production mode (DEBUG off) refuses to start without its secrets and passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from casework.encryption import generate_key

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-" + "x7Kq9-vR2mZ4pL8sT1wY6nB3cF5hJ0dG" * 2,
    "FIELD_ENCRYPTION_KEYS": f"p1:{generate_key()}",
    "BLIND_INDEX_KEY": f"b1:{generate_key()}",
    "ALLOWED_HOSTS": "casework.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args, tmp_path, **env):
    """Run manage.py in a clean environment, as an operator would, with its own var/."""
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    clean |= {"VAR_DIR": str(tmp_path / "var"), **env}
    clean = {key: value for key, value in clean.items() if value is not None}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_in_production_mode(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_host_only_secure_and_sessions_short(tmp_path):
    names = "SESSION_COOKIE_NAME CSRF_COOKIE_NAME SESSION_COOKIE_SECURE SESSION_COOKIE_AGE SESSION_ABSOLUTE_AGE SECURE_HSTS_SECONDS"
    code = f"from django.conf import settings; print(*[getattr(settings, name) for name in {names.split()!r}])"
    result = manage("shell", "-v", "0", "-c", code, tmp_path=tmp_path, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "1800", "43200", "31536000"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_secret_and_says_what_to_set(tmp_path, missing):
    result = manage("check", tmp_path=tmp_path, **{**PRODUCTION_ENV, missing: None})
    assert result.returncode != 0
    assert missing in result.stderr
    assert not (tmp_path / "var").exists(), "production must never generate keys"


def test_production_refuses_an_unusable_keyring(tmp_path):
    result = manage("check", tmp_path=tmp_path, **{**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": "p1:tooshort"})
    assert result.returncode != 0
    assert "Encryption keys are unusable" in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    key_file = tmp_path / "field-keys"
    key_file.write_text(PRODUCTION_ENV["FIELD_ENCRYPTION_KEYS"] + "\n")
    env = {**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": None, "FIELD_ENCRYPTION_KEYS_FILE": str(key_file)}
    assert manage("check", tmp_path=tmp_path, **env).returncode == 0


def test_a_wrong_boolean_is_an_error_not_a_silent_default(tmp_path):
    result = manage("check", tmp_path=tmp_path, **{**PRODUCTION_ENV, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_development_generates_its_keys_once_into_var(tmp_path):
    env = {"DEBUG": "1", "DATABASE_URL": "sqlite:///:memory:"}
    assert manage("check", tmp_path=tmp_path, **env).returncode == 0
    key_file = tmp_path / "var" / "dev-field-encryption-keys"
    first = key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert manage("check", tmp_path=tmp_path, **env).returncode == 0
    assert key_file.read_text() == first


def test_the_system_check_reports_a_broken_development_keyring(tmp_path):
    result = manage("check", tmp_path=tmp_path, DEBUG="1", DATABASE_URL="sqlite:///:memory:", BLIND_INDEX_KEY="b1:abc")
    assert result.returncode != 0
    assert "casework.E001" in result.stderr
