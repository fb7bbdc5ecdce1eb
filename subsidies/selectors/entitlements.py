"""Reading entitlements and runs for the pages; every query is scoped by the user's remit."""
from django.db.models import Count, Sum

from subsidies.models import Entitlement, EntitlementRun


def entitlement_list(user, *, program=None, year=None, district=None, state=None, q=""):
    rows = Entitlement.objects.for_user(user).with_list_data()
    if program:
        rows = rows.filter(program=program)
    if year:
        rows = rows.filter(year=year)
    if district:
        rows = rows.filter(payee__region__path__startswith=district.path)
    if state:
        rows = rows.filter(state=state)
    if q:
        rows = rows.filter(payee__name__icontains=q)
    return rows.order_by("-year", "program__code", "payee__name", "pk")


def totals(rows) -> dict:
    return rows.order_by().aggregate(count=Count("pk"), amount=Sum("amount"))


def own_entitlements(user):
    if not user.organization_id:
        return Entitlement.objects.none()
    return (Entitlement.objects.filter(payee_id=user.organization_id).live()
            .select_related("program", "institute").order_by("-year", "pk"))


def entitlement_for_detail(user, pk: int) -> Entitlement:
    return Entitlement.objects.for_user(user).select_related(
        "program", "payee__region", "institute", "rule_version", "claim", "approved_by"
    ).get(pk=pk)


def recent_runs(user, limit=20):
    return runs(user)[:limit]


def run_for_detail(user, pk: int) -> EntitlementRun:
    return runs(user).get(pk=pk)


def runs(user):
    """Finance sees every run; a program manager those of the programs they manage."""
    rows = EntitlementRun.objects.select_related("program", "requested_by")
    if not user.has_role("finance"):
        rows = rows.filter(program__in=user.managed_programs.all())
    return rows
