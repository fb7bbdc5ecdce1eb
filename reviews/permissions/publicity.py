"""Rules for publicity; see reviews/rules.py."""
import rules  # noqa: F401
