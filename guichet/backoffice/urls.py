from django.urls import path

from guichet.backoffice import calendar, outbox, queue, sign_in, views

app_name = "backoffice"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("connexion/", sign_in.sign_in, name="sign_in"),
    path("connexion/code/", sign_in.totp, name="totp"),
    path("deconnexion/", sign_in.sign_out, name="sign_out"),
    path("messages/", outbox.outbox, name="outbox"),
    path("calendrier/", calendar.calendar, name="calendar"),
    path("dossiers/<str:reference>/", views.dossier_detail, name="dossier"),
    path("dossiers/<str:reference>/documents/<int:pk>/", views.document, name="document"),
    path("dossiers/<str:reference>/actions/<str:action>/", views.act, name="action"),
]
