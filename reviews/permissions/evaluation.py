"""Rules for the annual evaluation, the grades and the dashboards; see reviews/rules.py.

Objects: `Program` for opening an evaluation and for a program's dashboard, `AnnualEvaluation` for
viewing and managing one. Program managers manage the evaluations of their programs; finance staff
view every evaluation and dashboard but change nothing; district staff see the dashboard of their
region; a lead unit sees only its own published grades."""
import rules

from portal.accounts.rules import is_applicant, is_district, is_finance

from .common import is_program_manager, manages_program_of


@rules.predicate
def manages_program(user, program):
    return program is not None and user.managed_programs.filter(pk=program.pk).exists()


rules.add_perm("reviews.view_evaluations", is_program_manager | is_finance)
rules.add_perm("reviews.open_evaluation", is_program_manager & manages_program)
rules.add_perm("reviews.view_evaluation", (is_program_manager & manages_program_of) | is_finance)
rules.add_perm("reviews.manage_evaluation", is_program_manager & manages_program_of)
rules.add_perm("reviews.view_my_grades", is_applicant)
rules.add_perm("reviews.view_program_dashboard", is_program_manager | is_finance)
rules.add_perm("reviews.view_district_dashboard", is_district)
