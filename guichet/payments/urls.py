from django.urls import path

from guichet.payments import views

app_name = "payments"
urlpatterns = [
    path("dossiers/<str:reference>/", views.pay, name="pay"),
    path("dossiers/<str:reference>/etat/", views.status, name="status"),
    path("rappel/<slug:provider_id>/", views.callback, name="callback"),
    path("retour/<str:public_id>/", views.payment_return, name="return"),
    path("recus/<str:public_id>.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("recus/verifier/<str:number>/", views.receipt_check, name="receipt_check"),
    path("finance/", views.finance, name="finance"),
    path("agents/dossiers/<str:reference>/", views.staff_dossier, name="staff_dossier"),
    path("finance.csv", views.finance_csv, name="finance_csv"),
]
