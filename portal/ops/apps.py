from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "portal.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from portal import production  # noqa: F401 — registers the production-settings check
