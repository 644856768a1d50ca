from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import checks  # noqa: F401  (registers the system checks)
        from .sessions import records

        user_logged_in.connect(records.on_user_logged_in, dispatch_uid="accounts.sessions.record")
        user_logged_out.connect(records.on_user_logged_out, dispatch_uid="accounts.sessions.forget")
