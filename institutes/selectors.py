"""Reads behind the application pages: scoped per user, a constant number of queries per page."""
from django.db.models import Exists, OuterRef, Q

from .models import Application, DistrictReview, Program


# The columns the list pages show: the big text and JSON columns (plan, eligibility report…) stay
# in the database, so the sort before LIMIT moves small rows.
APPLICANT_LIST_COLUMNS = ("reference", "title", "state", "updated_at", "program__name", "industry_field__name")
QUEUE_COLUMNS = ("reference", "title", "state", "submitted_at", "submission_round", "program__code",
                 "organization__name", "organization__region__name", "industry_field__name")


def applicant_applications(user):
    return (Application.objects.of_lead_unit(user).select_related("program", "industry_field")
            .only(*APPLICANT_LIST_COLUMNS).order_by("-updated_at", "-pk"))


def district_queue(user, *, q: str = "", program: str = "", state: str = ""):
    mine = DistrictReview.objects.filter(
        application=OuterRef("pk"), round=OuterRef("submission_round"), department=user.department
    )
    rows = (
        Application.objects.in_district_queue(user)
        .with_list_data()
        .only(*QUEUE_COLUMNS)
        .annotate(signed_by_my_department=Exists(mine))
    )
    if program:
        rows = rows.filter(program__code=program)
    if state:
        rows = rows.filter(state=state)
    if q:
        rows = rows.filter(Q(reference__icontains=q) | Q(title__icontains=q) | Q(organization__name__icontains=q))
    return rows.order_by("submitted_at", "pk")


def programs_open_for_applications():
    return [p for p in Program.objects.filter(accepts_applications=True).select_related("region") if p.is_open_today]


def application_for_detail(user, pk: int):
    return (
        Application.objects.for_user(user)
        .with_list_data()
        .select_related("organization__region__parent__parent", "program__region")
        .prefetch_related("years", "ip_assets", "participants", "attachments", "district_reviews__reviewer")
        .get(pk=pk)
    )

from .selectors_annual import claim_support_bars, support_bars  # noqa: E402,F401  read by the subsidies app
