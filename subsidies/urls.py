"""The subsidies app's pages; each concern keeps its `urlpatterns` beside its views."""

from .views import calculator as calculator_views, claims as claim_views, rules as rule_views
from .views import entitlements as entitlement_views, notices as notice_views, payouts as payout_views

app_name = "subsidies"

urlpatterns = [
    *calculator_views.urlpatterns,
    *rule_views.urlpatterns,
    *claim_views.urlpatterns,
    *notice_views.urlpatterns,
    *entitlement_views.urlpatterns,
    *payout_views.urlpatterns,
]
