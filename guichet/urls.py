from django.contrib import admin
from django.urls import include, path

from guichet.core import views as core_views
from guichet.permits import views as permit_views

# Django tries these in order: the public permit check, the most requested URL (every scan at
# a checkpoint), comes first.
urlpatterns = [
    path("verifier/trust-list", permit_views.trust_list, name="trust_list"),  # signed keys and revocations
    path("verifier/", include("guichet.verifier.urls")),  # the public check page and its service worker
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("compte/", include("guichet.portal.account_urls")),
    path("agents/", include("guichet.backoffice.urls")),
    path("admin/", admin.site.urls),
    path("paiements/", include("guichet.payments.urls")),
    path("demo/", include("guichet.demo.urls")),  # empty unless GUICHET_DEMO
    path("permis/", include("guichet.permits.urls")),  # permit PDFs and revocation
    path("api/verification/", include("guichet.verifier.api_urls")),  # the partner API
    path("", include("guichet.denunciations.urls")),  # /signalement/ and /inspection/
    path("", include("guichet.portal.urls")),
]

handler404 = "guichet.core.views.page_not_found"
handler500 = "guichet.core.views.server_error"
