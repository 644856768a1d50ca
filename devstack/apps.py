from django.apps import AppConfig


class DevstackConfig(AppConfig):
    """Development only: installed by config/settings/local.py and test.py, never by base or production."""

    name = "devstack"
    verbose_name = "Development stack"
