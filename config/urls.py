from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from accounts.urls import admin_urlpatterns

urlpatterns = [
    *admin_urlpatterns,
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
]

if apps.is_installed("devstack"):
    # Development only (the local and test settings install devstack; production never does):
    # the Local inbox. By name, not by import: production code never imports devstack.
    urlpatterns.append(path("", include("devstack.urls")))
