"""Celery tasks of casework: thin wrappers around services. Arguments are ids only."""

from celery import shared_task

from . import audit, retention, reviews, services


@shared_task(name="casework.verify_access_log")
def verify_access_log():
    """Walk the access-log chain and store the outcome (shown to auditors)."""
    report = audit.verify_chain()
    audit.save_chain_report(report)
    return {"ok": report.ok, "rows": report.rows_checked}


@shared_task(name="casework.refresh_age_bands")
def refresh_age_bands():
    """Keep the plaintext age band current for the people whose band changes this month."""
    return services.person_refresh_age_bands()


@shared_task(name="casework.revoke_expired_grants")
def revoke_expired_grants():
    """Break-the-glass grants past their time are marked ended (they already grant nothing)."""
    return reviews.revoke_expired_grants()


@shared_task(name="casework.request_retention_erasures")
def request_retention_erasures():
    """Ask each office's supervisors to approve erasing the closed cases past the retention period."""
    return {"reviews": len(retention.request_erasures())}
