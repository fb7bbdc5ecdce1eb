from django.db.models import Q

from institutes.models import Application

MANAGER_QUEUE_DEFAULT_STATES = (
    Application.State.RECOMMENDED, Application.State.INITIAL_REVIEW, Application.State.REVISION_REQUESTED,
)


def manager_queue(user, *, q: str = "", program: str = "", state: str = "", industry_field: str = ""):
    rows = Application.objects.in_manager_queue(user).with_list_data()
    rows = rows.filter(state=state) if state else rows.filter(state__in=MANAGER_QUEUE_DEFAULT_STATES)
    if program:
        rows = rows.filter(program__code=program)
    if industry_field:
        rows = rows.filter(industry_field__code=industry_field)
    if q:
        rows = rows.filter(Q(reference__icontains=q) | Q(title__icontains=q) | Q(organization__name__icontains=q))
    return rows.order_by("submitted_at", "pk")
