from django.apps import AppConfig, apps
from django.core.management import call_command
from django.db.models.signals import post_migrate


def _create_snapshot_table(using, **kwargs):
    """The snapshots cache's table (config/snapshots.py): made by `migrate`, so no deployment step is forgotten."""
    call_command("createcachetable", database=using, verbosity=0)


class WiringConfig(AppConfig):
    """config as an app only to wire the apps together at startup (it has no models): what needs
    every app, such as the indicators export, is registered here in every process (web, worker,
    management command), not only once the URLs happen to be loaded."""

    name = "config"
    label = "wiring"

    def ready(self):
        from . import indicators  # noqa: F401 - registers the "Indicators tables" export

        # post_migrate is sent per app with models (this one has none): casework's comes with every migrate.
        post_migrate.connect(_create_snapshot_table, sender=apps.get_app_config("casework"), dispatch_uid="snapshot-table")
