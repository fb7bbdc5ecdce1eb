"""Rules for experts; see reviews/rules.py."""
import rules  # noqa: F401
