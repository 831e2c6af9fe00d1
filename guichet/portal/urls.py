from django.urls import path

from guichet.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("demarches/<slug:code>/", views.service_detail, name="service"),
    path("demarches/<slug:code>/commencer/", views.start, name="start"),
    path("identification/", views.identify, name="identify"),
    path("identification/code/", views.identify_code, name="identify_code"),
    path("mes-dossiers/", views.my_dossiers, name="my_dossiers"),
    path("suivi/", views.track, name="track"),
    path("suivi/code/", views.track_code, name="track_code"),
    path("suivi/recepisse/", views.track_receipt, name="track_receipt"),
    path("dossiers/<str:reference>/", views.dossier_detail, name="dossier"),
    path("dossiers/<str:reference>/etape/<slug:step_key>/", views.step, name="step"),
    path("dossiers/<str:reference>/verifier/", views.check, name="check"),
    path("dossiers/<str:reference>/confirmation/", views.confirmation, name="confirmation"),
    path("dossiers/<str:reference>/repondre/", views.answer, name="answer"),
    path("dossiers/<str:reference>/message/", views.send_message, name="message"),
    path("dossiers/<str:reference>/retirer/", views.withdraw, name="withdraw"),
    path("dossiers/<str:reference>/documents/<int:pk>/", views.document, name="document"),
]
