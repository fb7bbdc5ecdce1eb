"""Object permissions of the subsidies app; each concern registers its rules in subsidies/permissions/."""
from .permissions import claims, rules as rule_permissions  # noqa: F401  (C)
from .permissions import entitlements, payouts  # noqa: F401  (D)
from .permissions import notices  # noqa: F401  (E)
