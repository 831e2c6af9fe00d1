from django.urls import path

from guichet.permits import views

app_name = "permits"
urlpatterns = [
    path("<str:reference>/<str:number>/pdf/", views.applicant_pdf, name="applicant_pdf"),
    path("<str:reference>/<str:number>/renouveler/", views.renew, name="renew"),
    path("agents/<str:reference>/<str:number>/pdf/", views.staff_pdf, name="staff_pdf"),
    path("agents/<str:reference>/<str:number>/revoquer/", views.revoke, name="revoke"),
]
