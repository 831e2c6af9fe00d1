from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from guichet.verifier import api

app_name = "verification_api"
urlpatterns = [
    path("verify", api.VerifyView.as_view(), name="verify"),
    path("permits", api.LookupView.as_view(), name="permits"),
    path("schema/", SpectacularAPIView.as_view(urlconf="guichet.verifier.api_urls_schema"), name="schema"),
]
