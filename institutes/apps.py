from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutesConfig(AppConfig):
    name = "institutes"
    verbose_name = _("Programs, applications and institutes")

    def ready(self):
        from . import receivers  # noqa: F401
