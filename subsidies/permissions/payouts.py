"""Rules for payout batches, lines, recoveries, write-offs and exports: finance staff only (see
subsidies/rules.py). Four-eyes on batch approval is a transition condition, not a permission, so
the builder sees why they are refused."""
import rules

from portal.accounts.rules import is_finance

rules.add_perm("subsidies.manage_payouts", is_finance)
