from django.contrib import admin
from django.urls import include, path

from accounts.urls import admin_urlpatterns

urlpatterns = [
    *admin_urlpatterns,
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
]
