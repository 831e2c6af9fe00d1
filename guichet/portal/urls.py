from django.urls import path

from guichet.portal.views import catalogue, filing, following, starting, tracking

app_name = "portal"
urlpatterns = [
    path("", catalogue.home, name="home"),
    path("demarches/<slug:code>/", catalogue.service_detail, name="service"),
    path("demarches/<slug:code>/commencer/", starting.start, name="start"),
    path("identification/", starting.identify, name="identify"),
    path("identification/code/", starting.identify_code, name="identify_code"),
    path("mes-dossiers/", following.my_dossiers, name="my_dossiers"),
    path("suivi/", tracking.track, name="track"),
    path("suivi/code/", tracking.track_code, name="track_code"),
    path("suivi/recepisse/", tracking.track_receipt, name="track_receipt"),
    path("dossiers/<str:reference>/", following.dossier_detail, name="dossier"),
    path("dossiers/<str:reference>/etape/<slug:step_key>/", filing.step, name="step"),
    path("dossiers/<str:reference>/verifier/", filing.check, name="check"),
    path("dossiers/<str:reference>/confirmation/", filing.confirmation, name="confirmation"),
    path("dossiers/<str:reference>/repondre/", following.answer, name="answer"),
    path("dossiers/<str:reference>/message/", following.send_message, name="message"),
    path("dossiers/<str:reference>/retirer/", following.withdraw, name="withdraw"),
    path("dossiers/<str:reference>/devis/accepter/", following.quote_accept, name="quote_accept"),
    path("dossiers/<str:reference>/devis/refuser/", following.quote_decline, name="quote_decline"),
    path("dossiers/<str:reference>/documents/<int:pk>/", following.document, name="document"),
]
