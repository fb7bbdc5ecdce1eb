"""Reading entitlements and runs for the pages; every query is scoped by the user's remit."""
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_tz

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext

from portal.audit.models import AuditEvent
from portal.formatting import yuan_wan
from subsidies.calculator import DEFAULT_VERSIONS
from subsidies.calculator.money import as_decimal
from subsidies.models import Entitlement, EntitlementRun, PayoutLine


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
    """Finance sees the runs of the programs its paying authority pays; a program manager those of
    the programs they manage."""
    from django.db.models import Q

    from subsidies.models.payouts import finance_authority_ids

    rows = EntitlementRun.objects.select_related("program", "requested_by")
    visible = Q(program__in=user.managed_programs.all())
    if user.has_role("finance"):
        visible |= Q(program__region_id__in=finance_authority_ids(user))
    return rows.filter(visible)


# ---- one entitlement's own page: how it was computed and everything that happened to it -------------

# Events whose `data` carries old → new amounts (other engineers record these on creation and change).
AMOUNT_KEYS = ("old", "new")


@dataclass
class HistoryEntry:
    """One thing that happened to an entitlement, read generically from an audit event (any action:
    transitions, `entitlement_created`, `amount_changed`, `cancelled`, …) or from a revision kept in
    `Entitlement.history` that no audit event reports."""

    at: object
    actor: object
    label: str
    from_label: str = ""
    to_label: str = ""
    old: str = ""
    new: str = ""
    reason: str = ""
    comment: str = ""


def _amount_text(value) -> str:
    number = as_decimal(value)
    return yuan_wan(number) if number is not None else ("" if value in (None, "") else str(value))


def _same_amount(a, b) -> bool:
    x, y = as_decimal(a), as_decimal(b)
    return x is not None and x == y


def entitlement_history(entitlement: Entitlement) -> list[HistoryEntry]:
    """Every audit event of the entitlement (one query, actors joined), oldest first, plus each revision
    of `history` (old, new, reason, when) that no amount event reports: the same few queries however long."""
    states = dict(Entitlement.State.choices)
    labels = {t.name: t.custom.get("label", t.name)
              for t in Entitlement._meta.get_field("state").get_all_transitions(Entitlement)}
    entries, reported = [], []
    for event in AuditEvent.objects.for_object(entitlement):
        data = event.data if isinstance(event.data, dict) else {}
        old, new = data.get("old"), data.get("new")
        if old is not None or new is not None:
            reported.append((old, new))
        entries.append(HistoryEntry(
            at=event.created_at, actor=event.actor, label=str(labels.get(event.action, event.action_label)),
            from_label=str(states.get(event.from_state, "")), to_label=str(states.get(event.to_state, "")),
            old=_amount_text(old), new=_amount_text(new), reason=str(data.get("reason") or ""),
            comment=event.comment,
        ))
    for revision in entitlement.history or []:
        if not isinstance(revision, dict):
            continue
        old, new = revision.get("old"), revision.get("new")
        if any(_same_amount(old, o) and _same_amount(new, n) for o, n in reported):
            continue
        entries.append(HistoryEntry(
            at=_when(revision.get("at")), actor=None, label=gettext("Amount recomputed"),
            old=_amount_text(old), new=_amount_text(new), reason=str(revision.get("reason") or ""),
        ))
    return sorted(entries, key=lambda entry: (entry.at is None, entry.at or datetime.min.replace(tzinfo=dt_tz.utc)))


def _when(value):
    """A revision's time (ISO text in `history`) as an aware datetime; None when missing or unreadable."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt_tz.utc)


def entitlement_payout_lines(entitlement: Entitlement):
    """The payout lines that pay (or recover) this entitlement, with their batch: one query."""
    return (PayoutLine.objects.filter(entitlement=entitlement).select_related("batch")
            .order_by("pk"))


def rule_text(entitlement: Entitlement) -> dict:
    """The rule behind the entitlement in the reader's language: code, title, document, article and the
    window of the version used (its own version, else the catalog's rule of the code)."""
    version = entitlement.rule_version
    if version is None:
        version = next((v for v in DEFAULT_VERSIONS if v.code == entitlement.rule_code), None)
        if version is None:
            return {"code": entitlement.rule_code, "title": "", "document": "", "article": "", "window": ""}
        title = str(version.title)
    else:
        title = version.display_title
    return {"code": entitlement.rule_code, "title": title, "document": version.document,
            "article": version.article, "window": window_text(version.effective_from, version.effective_to)}


def window_text(start, end) -> str:
    if end is None:
        return gettext("from %(start)s") % {"start": start.isoformat()}
    return gettext("%(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
