"""The subsidies app's pages; each concern keeps its `urlpatterns` beside its views."""

from .views import notices as notice_views  # E
from .views import entitlements as entitlement_views, payouts as payout_views  # D

from .views import calculator as calculator_views, claims as claim_views, rules as rule_views  # C

app_name = "subsidies"

urlpatterns = [
    *calculator_views.urlpatterns,  # C
    *rule_views.urlpatterns,  # C
    *claim_views.urlpatterns,  # C
    *notice_views.urlpatterns,  # E
    *entitlement_views.urlpatterns,  # D
    *payout_views.urlpatterns,  # D
]
