"""Rules for the PDF notices (see subsidies/rules.py).

The entitled unit's applicants read and download their own organisation's notices; program
managers those of the programs they manage, and they refresh them and issue a program-year's
grade-and-subsidy notices; finance reads every notice (it reads every entitlement and payout).
Lists are scoped by `Notice.objects.for_user`: another unit's notice is 404, not 403."""
import rules

from portal.accounts.rules import is_applicant, is_finance, is_program_manager
from reviews.permissions.publicity import manages_its_program as manages_notice_program  # a program, or its program_id


@rules.predicate
def is_entitled_unit(user, notice):
    return notice is not None and bool(user.organization_id) and notice.organization_id == user.organization_id


rules.add_perm("subsidies.view_notices", is_applicant | is_program_manager | is_finance)
rules.add_perm(
    "subsidies.download_notice",
    (is_applicant & is_entitled_unit) | (is_program_manager & manages_notice_program) | is_finance,
)
rules.add_perm("subsidies.regenerate_notice", is_program_manager & manages_notice_program)
rules.add_perm("subsidies.issue_notices", is_program_manager & manages_notice_program)
