"""Reads behind the notice pages: scoped per user, a constant number of queries per page."""
from institutes.models import AnnualGrade, Program

from ..models import Notice


def notices_for(user, *, program=None, kind="", year=None, state=""):
    rows = Notice.objects.for_user(user).with_list_data()
    if program is not None:
        rows = rows.filter(program=program)
    if kind:
        rows = rows.filter(kind=kind)
    if year:
        rows = rows.filter(document_year=year)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-issued_on", "-pk")


def notice_for_user(user, pk: int) -> Notice:
    """One notice the user may see; Notice.DoesNotExist otherwise (→ 404)."""
    return Notice.objects.for_user(user).with_list_data().get(pk=pk)


def visible_programs(user):
    """The programs offered in the list filter: those of the user's notices."""
    return Program.objects.filter(pk__in=Notice.objects.for_user(user).values("program_id")).order_by("code")


def managed_program_ids(user) -> set[int]:
    if not (user.is_authenticated and user.has_role("program_manager")):
        return set()
    return set(user.managed_programs.values_list("pk", flat=True))


def graded_years(programs) -> list[int]:
    """Years with published grades in `programs`, newest first (for the issue form)."""
    return list(
        AnnualGrade.objects.published().filter(institute__program__in=programs)
        .order_by("-year").values_list("year", flat=True).distinct()
    )
