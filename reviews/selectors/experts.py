"""Reads behind the expert-pool pages: scoped per user, a constant number of queries per page."""
from django.db.models import Count, Q

from institutes.models import IndustryField

from ..models import Expert, Panel, PanelMember


def expert_list(user, *, q: str = "", industry_field: str = "", kind: str = "", pool: str = "", active: str = ""):
    rows = (
        Expert.objects.for_user(user)
        .select_related("region", "user")
        .prefetch_related("fields")
        .annotate(open_seats=Count("panel_seats", filter=Q(
            panel_seats__status__in=PanelMember.SEATED_STATUSES,
        ) & ~Q(panel_seats__panel__state=Panel.State.CLOSED)))
    )
    if industry_field:
        rows = rows.filter(fields__code=industry_field)
    if kind:
        rows = rows.filter(kind=kind)
    if pool:
        rows = rows.filter(pool=pool)
    if active:
        rows = rows.filter(is_active=active == "yes")
    if q:
        rows = rows.filter(
            Q(name__icontains=q) | Q(employer_name__icontains=q) | Q(phone__icontains=q) | Q(email__icontains=q)
        )
    return rows.order_by("name", "pk")


def expert_for_edit(user, pk: int) -> Expert:
    return Expert.objects.for_user(user).select_related("user", "region").get(pk=pk)


def industry_fields():
    return list(IndustryField.objects.order_by("code"))
