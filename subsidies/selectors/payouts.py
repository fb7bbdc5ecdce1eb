"""Reading payout batches, lines, recoveries and exports for the finance pages."""
from portal.accounts.models import Organization, Region
from subsidies.models import Entitlement, ExportFile, PayeeAccount, PayoutBatch, PayoutLine, Recovery
from subsidies.models.payouts import batch_payees_without_account, finance_authority_ids


def batch_list(user, *, state=None):
    rows = PayoutBatch.objects.for_user(user).select_related("built_by", "approved_by", "authority")
    if state:
        rows = rows.filter(state=state)
    return rows


def batch_for_detail(user, pk: int) -> PayoutBatch:
    return PayoutBatch.objects.for_user(user).select_related("built_by", "approved_by", "authority").get(pk=pk)


def batch_lines(batch):
    return batch.lines.select_related("program", "payee", "district", "entitlement").order_by(
        "program__code", "district__path", "payee__name", "pk"
    )


def batch_exports(batch):
    return batch.exports.select_related("requested_by").order_by("-requested_at", "-pk")


def export_for_download(user, pk: int) -> ExportFile:
    return ExportFile.objects.select_related("batch").get(pk=pk, batch__authority_id__in=finance_authority_ids(user))


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
        "original_line__payee", "original_line__program", "line", "institute", "written_off_by__recorded_by",
        "recorded_by", "approved_by",
    )


def recovery_for_detail(user, pk: int) -> Recovery:
    return recoveries(user).get(pk=pk)


def payees_without_account(batch, limit: int = 200) -> list:
    """The batch's payees with no approved bank account (the approval refusal's list, with links)."""
    return list(batch_payees_without_account(batch)[:limit])


def _authority_region_q(user, field: str):
    from django.db.models import Q

    match = Q(pk__in=[])
    for path in Region.objects.filter(pk__in=finance_authority_ids(user)).values_list("path", flat=True):
        match |= Q(**{f"{field}__path__startswith": path})
    return match


def organization_for_account(user, pk: int):
    """The organisation whose bank account `user` may see: finance whose authority covers its
    region, or its own users; else None (the view answers 404)."""
    if not user.is_authenticated:
        return None
    if user.organization_id == pk:
        return Organization.objects.filter(pk=pk).first()
    if not finance_authority_ids(user):
        return None
    return Organization.objects.filter(_authority_region_q(user, "region"), pk=pk).first()


def accounts_of(user, organization) -> list:
    return list(PayeeAccount.objects.for_user(user).filter(organization=organization)
                .select_related("proposed_by", "approved_by").order_by("-proposed_at", "-pk")[:20])


def accounts_awaiting_approval(user):
    if not finance_authority_ids(user):
        return PayeeAccount.objects.none()
    return (PayeeAccount.objects.filter(_authority_region_q(user, "organization__region"),
                                        state=PayeeAccount.State.PROPOSED)
            .select_related("organization", "proposed_by").order_by("proposed_at", "pk"))


def payees_with_accounts(user, *, query: str = ""):
    """The organisations of the finance user's authority (name or USCC containing `query`) with their
    account in force, if any: one query per page whatever its size."""
    from django.db.models import FilteredRelation, Q

    if not finance_authority_ids(user):
        return Organization.objects.none()
    rows = Organization.objects.filter(_authority_region_q(user, "region"))
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(uscc__icontains=query))
    return (rows.annotate(account=FilteredRelation("bank_accounts",
                                                   condition=Q(bank_accounts__state=PayeeAccount.State.APPROVED)))
            .values("pk", "name", "uscc", "account__holder", "account__bank", "account__number")
            .order_by("name", "pk"))


def account_for_update(user, pk: int) -> PayeeAccount:
    if not finance_authority_ids(user):
        raise PayeeAccount.DoesNotExist
    return PayeeAccount.objects.filter(_authority_region_q(user, "organization__region")).select_related(
        "organization").get(pk=pk)


def recovery_due(user):
    """Paid lines of institutes revoked with funds obtained by fraud and no recovery recorded yet."""
    from institutes.models import Revocation

    revoked = Revocation.objects.filter(state=Revocation.State.CONFIRMED, funds_obtained_by_fraud=True)
    return (
        PayoutLine.objects.for_user(user).filter(kind=PayoutLine.Kind.PAYOUT, state=PayoutLine.State.PAID,
                                  entitlement__institute__revocation__in=revoked)
        .exclude(recoveries__state__in=[Recovery.State.PROPOSED, Recovery.State.DUE, Recovery.State.RECOVERED,
                                        Recovery.State.WRITE_OFF_PROPOSED])
        .select_related("payee", "program", "entitlement__institute__revocation")
        .distinct()
        .order_by("payee__name", "pk")
    )
