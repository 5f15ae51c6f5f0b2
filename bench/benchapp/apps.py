from django.apps import AppConfig


class BenchappConfig(AppConfig):
    """Tables made by migrate in the throwaway database only (bench.settings installs the app, config.settings never does).

    The app has migrations because its permission models point at casework's and auth's tables: on
    PostgreSQL, an app without migrations is created before the migrated ones, and its foreign-key
    constraints would name tables that do not exist yet.
    """

    name = "bench.benchapp"
    label = "benchapp"
    default_auto_field = "django.db.models.BigAutoField"
