"""The initial review acts on applications through `institutes.manage_application` (program
manager of the application's program); the queue itself needs the program-manager role."""
import rules

from portal.accounts.rules import is_program_manager

rules.add_perm("reviews.view_manager_queue", is_program_manager)
