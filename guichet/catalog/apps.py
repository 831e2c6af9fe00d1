from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "guichet.catalog"
    label = "catalog"
    verbose_name = "Catalogue"
