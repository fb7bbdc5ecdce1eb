"""Who keeps the rules: program managers, for the programs they manage (ZZ17 rules: managers of
the ZZ17 program; HN23 rules: managers of HN23). The object is a PolicyRuleVersion or a Program;
checked without an object (the rule list) it asks whether the user manages any program at all.
The calculator page is public and needs no permission. The managed programs are read once per
user object (`managed_program_ids`)."""
import rules

from institutes.models import Program
from portal.accounts.rules import is_program_manager


def managed_program_ids(user) -> set:
    """The ids of the programs `user` manages, read once per user object (a request's user, so a
    page checking many versions costs one query)."""
    ids = getattr(user, "_managed_program_ids", None)
    if ids is None:
        ids = user._managed_program_ids = set(user.managed_programs.values_list("pk", flat=True))
    return ids


@rules.predicate
def manages_rule_program(user, obj):
    ids = managed_program_ids(user)
    if obj is None:
        return bool(ids)
    program_id = obj.pk if isinstance(obj, Program) else obj.program_id
    return program_id is not None and program_id in ids


rules.add_perm("subsidies.manage_rules", is_program_manager & manages_rule_program)
