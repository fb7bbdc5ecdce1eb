"""Rules for entitlements and the yearly run (see subsidies/rules.py).

Finance staff (市财政局) review every entitlement: approve or hold. A program manager may start the
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
def is_its_payee(user, entitlement):
    return entitlement is not None and bool(user.organization_id) and entitlement.payee_id == user.organization_id


rules.add_perm("subsidies.review_entitlement", is_finance)
rules.add_perm("subsidies.run_entitlements", is_finance | (is_program_manager & manages_its_program))
rules.add_perm("subsidies.view_entitlements", is_finance | (is_program_manager & manages_its_program))
rules.add_perm(
    "subsidies.view_entitlement",
    is_finance | (is_program_manager & manages_its_program) | (is_applicant & is_its_payee),
)
rules.add_perm("subsidies.view_own_entitlements", is_applicant)
