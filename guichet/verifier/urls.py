from django.urls import path

from guichet.verifier import views

app_name = "verifier"
urlpatterns = [
    path("", views.page, name="page"),
    path("sw.js", views.service_worker, name="service_worker"),
]
