"""The self-service pages, under /account/ (accounts/urls.py includes them)."""

from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_edit, name="selfservice_profile"),
    path("email/", views.email_change, name="selfservice_email_change"),
    path("email/confirm/", views.email_confirm, name="selfservice_email_confirm"),
    path("password/", views.password_change, name="selfservice_password"),
    path("security/authenticator/", views.totp_setup, name="selfservice_totp_setup"),
    path("security/authenticator/qr.svg", views.totp_qr, name="selfservice_totp_qr"),
    path("security/authenticator/off/", views.totp_off, name="selfservice_totp_off"),
    path("delete/", views.account_delete, name="selfservice_delete"),
    path("sign-ins/<str:provider>/disconnect/", views.provider_disconnect, name="selfservice_disconnect"),
]
