#!/bin/bash
# Runs `manage.py ARGUMENTS...` on a systemd host as the casework user, with the environment and
# the secrets the services get (the same EnvironmentFile and LoadCredential lines), so the secret
# files stay readable by root alone. Run as root:
#   /srv/casework/deploy/manage.sh migrate
#   /srv/casework/deploy/manage.sh rotate_field_keys --verify
# Exits with the command's status (for timers, cron and scripts).
set -euo pipefail
etc="${CASEWORK_ETC:-/etc/casework}"
unit="casework-manage-$$"
options=(
    --unit="$unit" --quiet --wait --collect --service-type=exec
    --uid=casework --gid=casework --working-directory=/srv/casework
    --property=EnvironmentFile="$etc/env"
    --property=StateDirectory=casework --property=UMask=0077
    --setenv=PYTHONUNBUFFERED=1 --setenv=PYTHONDONTWRITEBYTECODE=1
)
for credential in secret-key field-encryption-keys blind-index-key database-url redis-url email-host-password; do
    variable="$(echo "$credential" | tr 'a-z-' 'A-Z_')_FILE"
    options+=(--property=LoadCredential="$credential:$etc/credentials/$credential")
    options+=(--setenv="$variable=/run/credentials/$unit.service/$credential")
done
if [ -t 0 ] && [ -t 1 ]; then options+=(--pty); else options+=(--pipe); fi
exec systemd-run "${options[@]}" /srv/casework/.venv/bin/python manage.py "$@"
