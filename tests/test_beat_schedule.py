"""Every entry of the beat schedule names a task the workers know (a typo would fail silently)."""

from config.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "casework.refresh_age_bands",
        "referrals.check_band_transitions",
        "casework.request_retention_erasures",
        "config.refresh_snapshots",
    } <= scheduled
    assert scheduled <= set(app.tasks), f"unknown: {sorted(scheduled - set(app.tasks))}"
