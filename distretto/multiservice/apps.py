from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MultiserviceConfig(AppConfig):
    name = "distretto.multiservice"
    label = "multiservice"
    verbose_name = _("Multiservice")
