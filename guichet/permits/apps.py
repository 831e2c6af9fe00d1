from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "guichet.permits"
    label = "permits"
    verbose_name = "Permits"

    def ready(self) -> None:
        # Registers the issuing hook with the catalogue's issued documents and the periodic expiry job.
        from guichet.permits import checks, issuing, tasks  # noqa: F401
