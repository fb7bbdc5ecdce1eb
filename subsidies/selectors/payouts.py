"""Reading payout batches, lines, recoveries and exports for the finance pages."""
from subsidies.models import Entitlement, ExportFile, PayoutBatch, PayoutLine, Recovery


def batch_list(user, *, state=None):
    rows = PayoutBatch.objects.for_user(user).select_related("built_by", "approved_by")
    if state:
        rows = rows.filter(state=state)
    return rows


def batch_for_detail(user, pk: int) -> PayoutBatch:
    return PayoutBatch.objects.for_user(user).select_related("built_by", "approved_by").get(pk=pk)


def batch_lines(batch):
    return batch.lines.select_related("program", "payee", "district", "entitlement").order_by(
        "program__code", "district__path", "payee__name", "pk"
    )


def batch_exports(batch):
    return batch.exports.select_related("requested_by").order_by("-requested_at", "-pk")


def export_for_download(user, pk: int) -> ExportFile:
    if not user.has_role("finance"):
        raise ExportFile.DoesNotExist
    return ExportFile.objects.select_related("batch").get(pk=pk)


def line_for_update(user, pk: int) -> PayoutLine:
    return PayoutLine.objects.for_user(user).select_related("batch", "entitlement", "payee").get(pk=pk)


def approved_entitlements(user, *, program=None, year=None):
    rows = Entitlement.objects.for_user(user).filter(state=Entitlement.State.APPROVED).with_list_data()
    if program:
        rows = rows.filter(program=program)
    if year:
        rows = rows.filter(year=year)
    return rows.order_by("program__code", "payee__name", "pk")


def recoveries(user):
    return Recovery.objects.for_user(user).select_related(
        "original_line__payee", "original_line__program", "line", "institute", "written_off_by"
    )


def recovery_for_detail(user, pk: int) -> Recovery:
    return recoveries(user).get(pk=pk)


def recovery_due(user):
    """Paid lines of institutes revoked with funds obtained by fraud and no recovery recorded yet."""
    from institutes.models import Revocation

    if not user.has_role("finance"):
        return PayoutLine.objects.none()
    revoked = Revocation.objects.filter(state=Revocation.State.CONFIRMED, funds_obtained_by_fraud=True)
    return (
        PayoutLine.objects.filter(kind=PayoutLine.Kind.PAYOUT, state=PayoutLine.State.PAID,
                                  entitlement__institute__revocation__in=revoked)
        .exclude(recoveries__state__in=[Recovery.State.DUE, Recovery.State.RECOVERED])
        .select_related("payee", "program", "entitlement__institute__revocation")
        .distinct()
        .order_by("payee__name", "pk")
    )
