from django.urls import path

from guichet.accounts import staff_views
from guichet.backoffice import outbox, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("connexion/", staff_views.sign_in, name="sign_in"),
    path("connexion/code/", staff_views.totp, name="totp"),
    path("deconnexion/", staff_views.sign_out, name="sign_out"),
    path("messages/", outbox.outbox, name="outbox"),
    path("dossiers/<str:reference>/", views.dossier_detail, name="dossier"),
    path("dossiers/<str:reference>/documents/<int:pk>/", views.document, name="document"),
    path("dossiers/<str:reference>/prendre/", views.take, name="take"),
    path("dossiers/<str:reference>/attribuer/", views.assign, name="assign"),
    path("dossiers/<str:reference>/demander-informations/", views.request_info, name="request_info"),
    path("dossiers/<str:reference>/approuver/", views.approve, name="approve"),
    path("dossiers/<str:reference>/rejeter/", views.reject, name="reject"),
    path("dossiers/<str:reference>/repondre/", views.close, name="close"),
    path("dossiers/<str:reference>/message/", views.message, name="message"),
    path("dossiers/<str:reference>/note/", views.note, name="note"),
]
