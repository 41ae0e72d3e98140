from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "distretto.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from distretto.core import security  # noqa: F401 - connects the staff-session signal
