from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "guichet.core"
    label = "core"
    verbose_name = "Guichet core"

    def ready(self) -> None:
        from guichet.core import checks, tasks  # noqa: F401  (registers system checks, periodic jobs)
