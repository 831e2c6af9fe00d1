from django.urls import path

from guichet.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.sign_in, name="sign_in"),
    path("connexion/code/", views.sign_in_code, name="sign_in_code"),
    path("connexion/mot-de-passe/", views.password_sign_in, name="password_sign_in"),
    path("profil/", views.profile, name="profile"),
    path("deconnexion/", views.sign_out, name="sign_out"),
]
