from django.contrib import admin
from django.urls import include, path
from mozilla_django_oidc.views import OIDCLogoutView

from accounts import link_views
from accounts import views as accounts_views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("account/", accounts_views.account, name="account"),
    path("sign-in/", accounts_views.sign_in, name="sign_in"),
    path("staff/link-accounts/", link_views.link_accounts, name="link_accounts"),
    # The admin signs staff in and out through Cognito, not with a password form.
    path("admin/login/", accounts_views.admin_login, name="admin_login"),
    path("admin/logout/", OIDCLogoutView.as_view(), name="admin_logout"),
    path("admin/", admin.site.urls),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
