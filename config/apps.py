from django.apps import AppConfig


class WiringConfig(AppConfig):
    """config as an app only to wire the apps together at startup (it has no models): what needs
    every app, such as the indicators export, is registered here in every process (web, worker,
    management command), not only once the URLs happen to be loaded."""

    name = "config"
    label = "wiring"

    def ready(self):
        from . import indicators  # noqa: F401 - registers the "Indicators tables" export
