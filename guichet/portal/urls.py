from django.urls import path

from guichet.portal import views

app_name = "portal"
urlpatterns = [
    path("dossiers/<str:reference>/", views.dossier_detail, name="dossier"),
]
