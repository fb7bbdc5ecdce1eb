"""Rules for entitlements and the yearly run (see subsidies/rules.py).

Finance staff review the entitlements their paying authority pays (the program's region: 郑州市财政局
ZZ23/ZZ17, 新乡市财政局 XX22 ...): approve or hold, and start those programs' yearly runs. A program manager may start the
yearly run of a program they manage and read its entitlements; an applicant reads only its own
organisation's (the list is scoped by `Entitlement.objects.for_user`, others' rows are 404)."""
import rules

from institutes.models import Program
from portal.accounts.rules import is_applicant, is_finance, is_program_manager


@rules.predicate
def manages_its_program(user, obj):
    programs = user.managed_programs
    if obj is None:
        return programs.exists()
    return programs.filter(pk=obj.pk if isinstance(obj, Program) else obj.program_id).exists()


@rules.predicate
def pays_for_program(user, obj):
    """The finance user acts for the paying authority of the program (of the entitlement or run);
    the program ids are read once per user object, so checking many entitlements costs no query each."""
    from subsidies.models.payouts import finance_authority_ids

    authorities = finance_authority_ids(user)
    if obj is None:
        return bool(authorities)
    if isinstance(obj, Program):
        return obj.region_id in authorities
    programs = getattr(user, "_finance_program_ids", None)
    if programs is None:
        programs = user._finance_program_ids = frozenset(
            Program.objects.filter(region_id__in=authorities).values_list("pk", flat=True))
    return obj.program_id in programs


@rules.predicate
def is_its_payee(user, entitlement):
    return entitlement is not None and bool(user.organization_id) and entitlement.payee_id == user.organization_id


FINANCE_OF_IT = is_finance & pays_for_program
rules.add_perm("subsidies.review_entitlement", FINANCE_OF_IT)
rules.add_perm("subsidies.run_entitlements", FINANCE_OF_IT | (is_program_manager & manages_its_program))
rules.add_perm("subsidies.view_entitlements", is_finance | (is_program_manager & manages_its_program))
rules.add_perm(
    "subsidies.view_entitlement",
    FINANCE_OF_IT | (is_program_manager & manages_its_program) | (is_applicant & is_its_payee),
)
rules.add_perm("subsidies.view_own_entitlements", is_applicant)
