from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "guichet.backoffice"
    label = "backoffice"
    verbose_name = "Backoffice"
