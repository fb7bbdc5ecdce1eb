from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies and payouts")

    def ready(self):
        from .notices import receivers  # noqa: F401  (issues the notices when institutes are recognised, lines paid)
