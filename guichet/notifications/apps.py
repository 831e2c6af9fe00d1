from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "guichet.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from guichet.notifications import channels, checks, tasks  # noqa: F401  (registration)
