"""Who keeps the rules: program managers, for the programs they manage (ZZ17 rules: managers of
the ZZ17 program; HN23 rules: managers of HN23). The object is a PolicyRuleVersion or a Program;
checked without an object (the rule list) it asks whether the user manages any program at all.
The calculator page is public and needs no permission."""
import rules

from institutes.models import Program
from portal.accounts.rules import is_program_manager


@rules.predicate
def manages_rule_program(user, obj):
    programs = user.managed_programs
    if obj is None:
        return programs.exists()
    program_id = obj.pk if isinstance(obj, Program) else obj.program_id
    return program_id is not None and programs.filter(pk=program_id).exists()


rules.add_perm("subsidies.manage_rules", is_program_manager & manages_rule_program)
