"""Working-day arithmetic on the Chinese official calendar (statutory holidays and 调休 adjusted days).

The functions are importable before Django's app registry is ready; they load models only when called.
"""
from .services import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
    working_period_end,
)

__all__ = [
    "add_working_days",
    "is_working_day",
    "next_working_day",
    "working_days_between",
    "working_period_end",
]
