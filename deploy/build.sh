#!/bin/sh
# The build step of an install or upgrade, run as the owner of the code (root) in the project
# folder, after `pip install -r requirements.txt`: translations, static files, bytecode.
#   systemd hosts: cd /srv/casework && sh deploy/build.sh
#   the Dockerfile runs it too, with PYTHON=python.
# Production settings refuse to load without secrets, so this step gets throwaway ones: they live
# in this process's environment only, are written nowhere, and nothing is encrypted or signed
# with them. It needs no database.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
new_key() { "$PYTHON" -c 'from casework.encryption import generate_key; print(generate_key())'; }

DEBUG=0
ALLOWED_HOSTS=build.invalid
VAR_DIR="$(mktemp -d)"
SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))')"
FIELD_ENCRYPTION_KEYS="build:$(new_key)"
BLIND_INDEX_KEY="build:$(new_key)"
export DEBUG ALLOWED_HOSTS VAR_DIR SECRET_KEY FIELD_ENCRYPTION_KEYS BLIND_INDEX_KEY
unset FIELD_ENCRYPTION_ACTIVE_KEY BLIND_INDEX_ACTIVE_KEY SECRET_KEY_FILE FIELD_ENCRYPTION_KEYS_FILE BLIND_INDEX_KEY_FILE

"$PYTHON" manage.py compilemessages --ignore=.venv -v0
"$PYTHON" manage.py collectstatic --no-input -v0
"$PYTHON" -m compileall -q casework config followup referrals
rm -rf "$VAR_DIR"
