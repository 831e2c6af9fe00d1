from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "guichet.dossiers"
    label = "dossiers"
    verbose_name = "Dossiers"

    def ready(self) -> None:
        from guichet.dossiers import checks, tasks  # noqa: F401  (registers the checks, periodic jobs)
