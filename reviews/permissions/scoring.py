"""Rules for scoring; see reviews/rules.py."""
import rules  # noqa: F401
