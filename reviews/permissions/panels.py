"""Rules for panels; see reviews/rules.py."""
import rules  # noqa: F401
