"""Rules for the expert pool; see reviews/rules.py. The pool is shared by every program: any
program manager keeps it."""
import rules

from .common import is_program_manager

rules.add_perm("reviews.manage_expert_pool", is_program_manager)
