from django.apps import AppConfig


class BenchappConfig(AppConfig):
    """No migrations: the throwaway database gets these tables from migrate's run_syncdb."""

    name = "bench.benchapp"
    label = "benchapp"
    default_auto_field = "django.db.models.BigAutoField"
