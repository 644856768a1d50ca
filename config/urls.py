from django.contrib import admin
from django.urls import include, path

from accounts import link_views
from accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("account/", accounts_views.account, name="account"),
    path("account/sign-out-everywhere/", accounts_views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/sessions/<int:pk>/end/", accounts_views.session_end, name="session_end"),
    path("sign-in/", accounts_views.sign_in, name="sign_in"),
    path("staff/link-accounts/", link_views.link_accounts, name="link_accounts"),
    # The admin signs staff in and out through Cognito, not with a password form.
    path("admin/login/", accounts_views.admin_login, name="admin_login"),
    path("admin/logout/", accounts_views.sign_out, name="admin_logout"),
    path("admin/", admin.site.urls),
    # Ahead of the library's own logout view, which neither revokes nor POSTs only.
    path("oidc/logout/", accounts_views.sign_out, name="sign_out"),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
