"""Both catalogues are complete: every message in the code and templates has es and en text."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["manage.py", "config", "casework", "referrals", "followup", "templates", "locale"]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory):
    """The committed catalogues, updated from the current sources in a scratch copy."""
    if not shutil.which("xgettext") or not shutil.which("msgfmt"):
        pytest.fail("GNU gettext (xgettext, msgfmt) is needed: apt-get install gettext", pytrace=False)
    copy = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif source.exists():
            shutil.copy2(source, copy / name)
    env = {**os.environ, "DEBUG": "1", "VAR_DIR": str(copy / "var"), "DATABASE_URL": "sqlite:///:memory:"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "-l", "en", "--no-obsolete", "-v0"],
        cwd=copy,
        env=env,
        check=True,
        timeout=300,
    )
    return copy / "locale"


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_message_has_a_translation(fresh_catalogues, language):
    catalogue = fresh_catalogues / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(catalogue)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, f"{language}: {result.stderr.strip()} (run make messages-update and translate)"
    assert "fuzzy" not in result.stderr, f"{language}: {result.stderr.strip()}"
    assert "translated message" in result.stderr
