"""Celery tasks of referrals: thin wrappers around services. No arguments, no personal data."""

from celery import shared_task

from . import transitions


@shared_task(name="referrals.check_band_transitions")
def check_band_transitions():
    """Daily: alerts for services that stop fitting at an age change, and the 18th-birthday reviews."""
    return transitions.check_transitions()
