"""Object permissions for the registry, annual reports and revocations (django-rules)."""
import rules

from portal.accounts.rules import is_applicant, is_district, is_finance, is_program_manager


@rules.predicate
def owns_institute(user, institute):
    return user.organization_id is not None and institute.lead_unit_id == user.organization_id


@rules.predicate
def serves_institute_region(user, institute):
    return user.serves_region(institute.lead_unit.region)


@rules.predicate
def manages_institute(user, institute):
    return institute.is_managed_by(user)


@rules.predicate
def owns_report(user, report):
    return user.organization_id is not None and report.institute.lead_unit_id == user.organization_id


@rules.predicate
def serves_report_region(user, report):
    return user.serves_region(report.institute.lead_unit.region)


@rules.predicate
def reviews_annual_reports(user, report):
    return user.department in report.REVIEWING_DEPARTMENTS


@rules.predicate
def manages_report(user, report):
    return report.institute.is_managed_by(user)


@rules.predicate
def report_is_filed(user, report):
    return report.state != report.State.DRAFT


@rules.predicate
def manages_xx22(user):
    from .services_annual import REGISTRATION_PROGRAMS

    return user.managed_programs.filter(code__in=REGISTRATION_PROGRAMS).exists()


report_district_reviewer = is_district & reviews_annual_reports & serves_report_region

rules.add_perm("institutes.view_registry", is_applicant | is_district | is_program_manager | is_finance)
rules.add_perm(
    "institutes.view_institute",
    (is_applicant & owns_institute) | (is_district & serves_institute_region)
    | (is_program_manager & manages_institute) | is_finance,
)
rules.add_perm("institutes.manage_institute", is_program_manager & manages_institute)
rules.add_perm("institutes.register_institute", is_program_manager & manages_xx22)
rules.add_perm("institutes.file_annual_report", is_applicant & owns_institute)

rules.add_perm(
    "institutes.view_annual_report",
    (is_applicant & owns_report)
    | (report_is_filed & (report_district_reviewer | (is_program_manager & manages_report) | is_finance)),
)
rules.add_perm("institutes.change_annual_report", is_applicant & owns_report)
rules.add_perm("institutes.submit_annual_report", is_applicant & owns_report)
rules.add_perm("institutes.district_review_annual_report", report_district_reviewer)
rules.add_perm("institutes.manage_annual_report", is_program_manager & manages_report)
rules.add_perm("institutes.view_annual_report_queue", is_district | is_program_manager)
rules.add_perm("institutes.view_my_annual_reports", is_applicant)
