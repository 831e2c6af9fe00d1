from django.apps import AppConfig


class DenunciationsConfig(AppConfig):
    name = "guichet.denunciations"
    label = "denunciations"
    verbose_name = "Denunciations"

    def ready(self) -> None:
        from guichet.denunciations import checks, privacy, tasks  # noqa: F401  (registers checks, periodic jobs)

        privacy.install_log_record_scrubber()
