"""The policy calculator (POLICY.md §5–§7): rule types are code, rule versions are data.

Pure Python, no database: `quote` takes the §7 request and any iterable of versions.
"""
from .catalog import DEFAULT_VERSIONS
from .engine import quote
from .errors import QuoteInputError, RuleDefinitionError
from .rule_types import PAYEES, RULE_TYPES
from .versions import CAP_PERIODS, RuleVersion, select_version

__all__ = [
    "CAP_PERIODS",
    "DEFAULT_VERSIONS",
    "PAYEES",
    "RULE_TYPES",
    "QuoteInputError",
    "RuleDefinitionError",
    "RuleVersion",
    "quote",
    "select_version",
]
