"""Sign-up and recovery: the site's own pages, since the local stack's hosted UI has none (README)."""

from django.urls import path

from . import views

urlpatterns = [
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-up/confirm/", views.sign_up_confirm, name="sign_up_confirm"),
    path("sign-up/resend/", views.sign_up_resend, name="sign_up_resend"),
    path("sign-up/done/", views.sign_up_done, name="sign_up_done"),
    path("forgot-password/", views.forgot_password, name="forgot_password"),
    path("forgot-password/reset/", views.forgot_password_reset, name="forgot_password_reset"),
    path("forgot-password/done/", views.forgot_password_done, name="forgot_password_done"),
]
