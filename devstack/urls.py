"""Development-only pages; config/urls.py routes them only when the local or test settings install devstack."""

from django.urls import path

from . import inbox

urlpatterns = [
    path("local-inbox/", inbox.local_inbox, name="local_inbox"),
]
