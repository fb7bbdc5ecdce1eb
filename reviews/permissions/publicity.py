"""Rules for site inspections, decision meetings, public notices and objections, and recognition;
see reviews/rules.py.

The object of a manager's permission is anything with a `program_id` (a panel, an inspection, a
notice, an objection, a meeting, an application, a recognition application, an institute). Checked
without an object — for a list page — it asks whether the user manages any program at all; the
list itself is then scoped to the programs they manage. The public pages need no permission."""
import rules

from institutes.models import Program
from portal.accounts.rules import is_applicant, is_program_manager


@rules.predicate
def manages_its_program(user, obj):
    programs = user.managed_programs
    if obj is None:
        return programs.exists()
    return programs.filter(pk=obj.pk if isinstance(obj, Program) else obj.program_id).exists()


@rules.predicate
def belongs_to_its_lead_unit(user, obj):
    """An applicant of the lead unit of a cultivation unit (or of a recognition application's unit)."""
    if obj is None or not user.organization_id:
        return False
    institute = getattr(obj, "institute", obj)
    return institute.lead_unit_id == user.organization_id


program_manager_of_it = is_program_manager & manages_its_program

rules.add_perm("reviews.record_inspection", program_manager_of_it)
rules.add_perm("reviews.manage_notice", program_manager_of_it)
rules.add_perm("reviews.handle_objection", program_manager_of_it)
rules.add_perm("reviews.run_acceptance", program_manager_of_it)
rules.add_perm("reviews.record_recognition", program_manager_of_it)
rules.add_perm("reviews.file_recognition", is_applicant & belongs_to_its_lead_unit)
rules.add_perm("reviews.view_recognition", (is_applicant & belongs_to_its_lead_unit) | program_manager_of_it)
rules.add_perm("reviews.view_cultivation_units", is_applicant | is_program_manager)
