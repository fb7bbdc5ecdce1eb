"""Predicates shared by the reviews permissions."""
import rules

from portal.accounts.rules import is_expert, is_program_manager  # noqa: F401  (re-exported)


@rules.predicate
def manages_program_of(user, obj):
    """True when the user manages the program of obj (anything with a `program_id`)."""
    return obj is not None and user.managed_programs.filter(pk=obj.program_id).exists()
