"""Role predicates shared by every app's rules."""
import rules

from .models import ROLE_APPLICANT, ROLE_DISTRICT, ROLE_EXPERT, ROLE_FINANCE, ROLE_PROGRAM_MANAGER


def _role(name):
    @rules.predicate(name=f"is_{name}")
    def has_role(user):
        return bool(user and user.is_authenticated and user.has_role(name))

    return has_role


is_applicant = _role(ROLE_APPLICANT)
is_district = _role(ROLE_DISTRICT)
is_program_manager = _role(ROLE_PROGRAM_MANAGER)
is_expert = _role(ROLE_EXPERT)
is_finance = _role(ROLE_FINANCE)
