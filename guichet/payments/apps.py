from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "guichet.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # Registers the providers, the periodic jobs and the system checks.
        from guichet.payments import checks, tasks  # noqa: F401
        from guichet.payments.providers import fedapay, paygate  # noqa: F401
