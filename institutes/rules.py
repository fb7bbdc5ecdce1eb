"""Object permissions for programs' applications (django-rules)."""
import rules

from portal.accounts.rules import is_applicant, is_district, is_program_manager


@rules.predicate
def belongs_to_lead_unit(user, application):
    return user.organization_id is not None and application.organization_id == user.organization_id


@rules.predicate
def serves_applicant_region(user, application):
    return user.serves_region(application.organization.region)


@rules.predicate
def department_recommends_for_program(user, application):
    return bool(user.department) and application.program.needs_department(user.department)


@rules.predicate
def manages_program(user, application):
    return application.program.managers.filter(pk=user.pk).exists()


@rules.predicate
def is_filed(user, application):
    return application.state != application.State.DRAFT


district_reviewer = is_district & serves_applicant_region & department_recommends_for_program
program_manager_of = is_program_manager & manages_program

rules.add_perm(
    "institutes.view_application",
    (is_applicant & belongs_to_lead_unit) | (is_filed & (district_reviewer | program_manager_of)),
)
rules.add_perm("institutes.change_application", is_applicant & belongs_to_lead_unit)
rules.add_perm("institutes.submit_application", is_applicant & belongs_to_lead_unit)
rules.add_perm("institutes.district_review_application", district_reviewer)
rules.add_perm("institutes.manage_application", program_manager_of)
rules.add_perm("institutes.add_application", is_applicant)

from . import rules_annual  # noqa: E402,F401  registry, annual reports, revocations
