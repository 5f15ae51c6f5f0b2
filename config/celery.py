"""The Celery app. The database is the schedule; the broker only carries messages.

With REDIS_URL set, Redis is the broker. Without it, kombu's filesystem transport under var/
needs no server, so `make run` delivers reminders on a laptop with no configuration.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casework")


def broker_settings(redis_url, filesystem_dir):
    if redis_url:
        return {"broker_url": redis_url, "broker_transport_options": {"visibility_timeout": 3600}}
    control = filesystem_dir / "control"
    for folder in (filesystem_dir, control):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(filesystem_dir),
            "data_folder_out": str(filesystem_dir),
            "control_folder": str(control),
        },
    }


# Times are UTC: beat runs in UTC, whatever the office's time zone (America/Lima is UTC-5).
BEAT_SCHEDULE = {
    "verify-access-log": {"task": "casework.verify_access_log", "schedule": crontab(hour=7, minute=0)},
    "refresh-age-bands": {"task": "casework.refresh_age_bands", "schedule": crontab(hour=5, minute=30)},
}


def configure(celery_app):
    from django.conf import settings

    celery_app.conf.update(
        **broker_settings(settings.REDIS_URL, settings.CELERY_FILESYSTEM_BROKER_DIR),
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=BEAT_SCHEDULE,
        beat_schedule_filename=str(settings.VAR_DIR / "celerybeat-schedule"),
        worker_hijack_root_logger=False,
    )


configure(app)
app.autodiscover_tasks()
