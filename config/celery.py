"""The Celery app. The database is the schedule; the broker only carries messages.

With REDIS_URL set, Redis is the broker. Without it, kombu's filesystem transport under var/
needs no server, so `make run` delivers reminders on a laptop with no configuration. The broker
settings come from config/settings.py (CELERY_*), read lazily when Celery first needs them.
"""

import os
from datetime import timedelta
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

from config.env import reminder_sweep_seconds, report_snapshot_seconds

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Times are UTC: beat runs in UTC, whatever the office's time zone (America/Lima is UTC-5).
BEAT_SCHEDULE = {
    "verify-access-log": {"task": "casework.verify_access_log", "schedule": crontab(hour=7, minute=0)},
    "refresh-age-bands": {"task": "casework.refresh_age_bands", "schedule": crontab(hour=5, minute=30)},
    "revoke-expired-grants": {"task": "casework.revoke_expired_grants", "schedule": crontab(minute="*/5")},
    # 08:00 UTC is 03:00 in Lima: closed cases past RETENTION_YEARS go to their supervisors for erasure.
    "request-retention-erasures": {"task": "casework.request_retention_erasures", "schedule": crontab(hour=8, minute=0)},
    # After the age bands are refreshed (05:30): 06:00 UTC is 01:00 in Lima.
    "check-band-transitions": {"task": "referrals.check_band_transitions", "schedule": crontab(hour=6, minute=0)},
    # The views over several offices read what this computes (config/snapshots.py).
    "refresh-snapshots": {"task": "config.refresh_snapshots", "schedule": timedelta(seconds=report_snapshot_seconds())},
    # The database is the schedule: this sweep finds every follow-up reminder that has fallen due.
    "sweep-reminders": {"task": "followup.sweep_reminders", "schedule": timedelta(seconds=reminder_sweep_seconds())},
}

app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    # A task is acknowledged after it ran, and given back if its worker dies mid-way.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    enable_utc=True,
    beat_schedule=BEAT_SCHEDULE,
    worker_hijack_root_logger=False,
)


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs):
    """The filesystem transport needs its folders before anyone sends or consumes."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


app.autodiscover_tasks()
