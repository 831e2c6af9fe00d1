from django.urls import path

from guichet.denunciations import views
from guichet.denunciations import views_inspection as inspection

app_name = "denunciations"

urlpatterns = [
    path("signalement/", views.start, name="start"),
    path("signalement/nouveau/<str:mode>/", views.new_report, name="new"),
    path("signalement/suivi/", views.follow, name="follow"),
    path("signalement/suivi/mon-signalement/", views.my_report, name="my_report"),
    path("signalement/suivi/repondre/", views.reply, name="reply"),
    path("signalement/suivi/preuves/", views.add_evidence, name="add_evidence"),
    path("signalement/sortie/", views.leave, name="leave"),
    path("inspection/", inspection.inbox, name="inspection"),
    path("inspection/deverrouiller/", inspection.unlock, name="unlock"),
    path("inspection/verrouiller/", inspection.lock, name="lock"),
    path("inspection/<str:public_id>/", inspection.report_detail, name="inspection_report"),
    path("inspection/<str:public_id>/message/", inspection.message, name="inspection_message"),
    path("inspection/<str:public_id>/etat/", inspection.change_state, name="inspection_state"),
    path("inspection/<str:public_id>/prendre/", inspection.take, name="inspection_take"),
    path(
        "inspection/<str:public_id>/identite/approuver/",
        inspection.approve_identity,
        name="inspection_approve",
    ),
    path("inspection/<str:public_id>/identite/", inspection.identity, name="inspection_identity"),
    path(
        "inspection/<str:public_id>/preuves/<int:evidence_id>/",
        inspection.evidence,
        name="inspection_evidence",
    ),
    path(
        "inspection/<str:public_id>/preuves/<int:evidence_id>/original/",
        inspection.evidence_original,
        name="inspection_original",
    ),
]
