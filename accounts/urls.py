"""The site's pages. Cognito has /oidc/callback/, / and /oidc/authenticate/ registered: they never move."""

from django.urls import include, path

from . import views
from .federation import connect_views
from .federation import views as federation_views
from .signin import views as signin_views

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("sign-in/", signin_views.sign_in, name="sign_in"),
    path("staff/link-accounts/", federation_views.link_accounts, name="link_accounts"),
    # A social sign-in that meets an existing account (accounts/federation/connect.py).
    path("connect/", connect_views.connect_offer_page, name="connect_offer"),
    path("connect/keep-separate/", connect_views.connect_decline, name="connect_decline"),
    path("connect/finish/", connect_views.connect_finish, name="connect_finish"),
    # Ahead of the library's own logout view, which neither revokes nor POSTs only.
    path("oidc/logout/", signin_views.sign_out, name="sign_out"),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/v1/", include("accounts.api.urls")),
    # My files (/files/) and AWS access (/account/aws/): the identity pool's credentials.
    path("", include("accounts.credentials.urls")),
    # Sign-up and password recovery, the site's own pages (accounts/signup/).
    path("", include("accounts.signup.urls")),
]

#: The admin signs staff in and out through Cognito, not with a password form (config/urls.py puts these first).
admin_urlpatterns = [
    path("admin/login/", signin_views.admin_login, name="admin_login"),
    path("admin/logout/", signin_views.sign_out, name="admin_logout"),
]
