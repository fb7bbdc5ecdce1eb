"""Claims: the lead unit's applicants file and follow their own organisation's claims; the program
manager of the claim's program reviews them. Visibility itself comes from `Claim.objects.for_user`
(others' claims → 404); these rules decide what a user who sees a claim may do (→ 403)."""
import rules

from portal.accounts.rules import is_applicant, is_program_manager


@rules.predicate
def has_organisation(user):
    return user.organization_id is not None


@rules.predicate
def of_own_organisation(user, claim):
    return claim is not None and user.organization_id is not None and claim.organization_id == user.organization_id


@rules.predicate
def manages_claim_program(user, claim):
    programs = user.managed_programs
    if claim is None:
        return programs.exists()
    return programs.filter(pk=claim.program_id).exists()


@rules.predicate
def is_filed(user, claim):
    return claim is not None and claim.state != claim.State.DRAFT


claim_filer = is_applicant & has_organisation
claim_reviewer = is_program_manager & manages_claim_program

rules.add_perm("subsidies.add_claim", claim_filer)
rules.add_perm("subsidies.file_claim", claim_filer & of_own_organisation)
rules.add_perm("subsidies.review_claim", claim_reviewer)
rules.add_perm("subsidies.view_claim", (claim_filer & of_own_organisation) | (is_filed & claim_reviewer))
