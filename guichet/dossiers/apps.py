from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "guichet.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"

    def ready(self) -> None:
        from guichet.dossiers import tasks  # noqa: F401  (registers periodic jobs)
