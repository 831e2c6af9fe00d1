from django.apps import AppConfig


class VerifierConfig(AppConfig):
    name = "guichet.verifier"
    label = "verifier"
    verbose_name = "Permit verification"
    default_auto_field = "django.db.models.BigAutoField"
