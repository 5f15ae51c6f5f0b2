"""Celery tasks of follow-up: thin wrappers around followup.reminders. Arguments are ids only.

Both run with the app's `task_acks_late` and `task_reject_on_worker_lost` (config/celery.py): a
task whose worker dies is run again, which is safe because each is idempotent.
"""

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from . import reminders


@shared_task(name="followup.sweep_reminders")
def sweep_reminders():
    """Every minute (beat): reminders for the visits whose next stage has come, emails resent."""
    return reminders.sweep()


@shared_task(
    name="followup.deliver_reminders",
    autoretry_for=(SMTPException, OSError, OperationalError),  # a mail server or database busy for a moment
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def deliver_reminders(reminder_ids):
    """Email these reminders unless already sent. After the last retry the sweep's lease takes over."""
    return reminders.deliver(reminder_ids)
