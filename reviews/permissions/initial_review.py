"""Rules for initial_review; see reviews/rules.py."""
import rules  # noqa: F401
