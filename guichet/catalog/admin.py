"""Services are published from their YAML source; versions are never edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.admin_rights import ConfigureModelAdmin, ReadOnlyInline, ReadOnlyModelAdmin
from guichet.catalog.definition import DefinitionError
from guichet.catalog.models import Service, ServiceVersion
from guichet.catalog.services import publish_service, read_yaml
from guichet.core.actors import Actor


class PublishForm(forms.Form):
    source = forms.CharField(
        label=gettext_lazy("Service file (YAML)"),
        widget=forms.Textarea(
            attrs={"rows": 40, "cols": 110, "spellcheck": "false", "class": "vLargeTextField"}
        ),
        help_text=gettext_lazy("The whole file. It is checked before anything is published."),
    )
    note = forms.CharField(
        label=gettext_lazy("What changed"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Kept with the version, for example: review fee raised to 12,000 FCFA."),
    )


class VersionInline(ReadOnlyInline):
    model = ServiceVersion
    fields = ["number", "published_at", "note", "checksum"]
    ordering = ["-number"]
    show_change_link = True


@admin.register(Service)
class ServiceAdmin(ConfigureModelAdmin):
    """Titles, unit and rules come from the published file; only listing options are edited here."""

    list_display = ["code", "title_fr", "unit", "is_active", "current_version_number"]
    list_filter = ["is_active", "unit"]
    search_fields = ["code", "title_fr", "title_en"]
    fields = [
        "code",
        "title_fr",
        "title_en",
        "administration",
        "unit",
        "current_version",
        "is_active",
        "position",
    ]
    readonly_fields = ["code", "title_fr", "title_en", "administration", "unit", "current_version"]
    inlines = [VersionInline]
    change_form_template = "admin/catalog/service/change_form.html"
    change_list_template = "admin/catalog/service/change_list.html"

    @admin.display(description=gettext_lazy("current version"), ordering="current_version__number")
    def current_version_number(self, obj: Service) -> str:
        return f"v{obj.current_version.number}" if obj.current_version else "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new service is published from its file (see publish_view)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # dossiers keep pointing at it; deactivate instead

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "publish/", self.admin_site.admin_view(self.publish_view), name="catalog_service_publish_new"
            ),
            path(
                "<int:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="catalog_service_publish",
            ),
            *super().get_urls(),
        ]

    def publish_view(self, request: HttpRequest, object_id: int | None = None) -> HttpResponse:
        """Edit a service file (pre-filled with the current version) and publish it as a new version."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        service = None
        if object_id is not None:
            service = Service.objects.select_related("current_version").filter(pk=object_id).first()
            if service is None:
                raise Http404
        if request.method == "POST":
            form = PublishForm(request.POST)
            if form.is_valid():
                version = self._publish(request, form, service)
                if version is not None:
                    return HttpResponseRedirect(
                        reverse(
                            "admin:catalog_service_change",
                            args=[version.service_id],
                            current_app=self.admin_site.name,
                        )
                    )
        else:
            source = service.current_version.source if service and service.current_version else ""
            form = PublishForm(initial={"source": source})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "service": service,
            "form": form,
            "title": _("Publish a new version of %(service)s") % {"service": service.code}
            if service
            else _("Publish a service file"),
        }
        return render(request, "admin/catalog/service/publish.html", context)

    def _publish(
        self, request: HttpRequest, form: PublishForm, service: Service | None
    ) -> ServiceVersion | None:
        # Browsers send CRLF from a textarea: keep the file as it would be saved on disk.
        source = form.cleaned_data["source"].replace("\r\n", "\n").rstrip() + "\n"
        try:
            data = read_yaml(source)
            if service is not None and isinstance(data, dict) and str(data.get("code")) != service.code:
                raise DefinitionError(
                    _(
                        "code: this page publishes %(code)s; to publish another service, use “Publish a service file”."
                    )
                    % {"code": service.code}
                )
            actor = Actor.for_user(request.user)  # type: ignore[arg-type]
            version, created = publish_service(source, actor=actor, note=form.cleaned_data["note"])
        except DefinitionError as exc:
            form.add_error("source", str(exc))
            return None
        if created:
            messages.success(request, _("Version %(number)s is published.") % {"number": version.number})
        else:
            messages.info(
                request, _("Nothing changed: version %(number)s stays current.") % {"number": version.number}
            )
        return version


@admin.register(ServiceVersion)
class ServiceVersionAdmin(ReadOnlyModelAdmin):
    list_display = ["service", "number", "published_at", "note"]
    list_filter = ["service"]
    fields = ["service", "number", "published_at", "note", "checksum", "source"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("service")
