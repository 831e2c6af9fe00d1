"""The citizen's account pages under /compte/: sign-in, profile, sign-out.

They live with the portal (an interface), not in `accounts` (the domain). The URL
namespace stays `accounts`: it names the place in the site, and links, `LOGIN_URL`
and bookmarks keep working.
"""

from django.urls import path

from guichet.portal.views import sign_in

app_name = "accounts"
urlpatterns = [
    path("connexion/", sign_in.sign_in, name="sign_in"),
    path("connexion/code/", sign_in.sign_in_code, name="sign_in_code"),
    path("connexion/mot-de-passe/", sign_in.password_sign_in, name="password_sign_in"),
    path("profil/", sign_in.profile, name="profile"),
    path("deconnexion/", sign_in.sign_out, name="sign_out"),
]
