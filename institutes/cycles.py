"""Evaluation cycles: ONE definition, read by the annual evaluation's due list
(`reviews.selectors.evaluation.due_institutes`) and by the yearly entitlement job
(`subsidies.services.entitlements`, SJZ22-4).

SJZ22 四（四）"绩效评价…每3年为一个评价周期（从获得资格认定年度起）": the recognition year is the
first year of the first cycle, so an institute recognised in 2022 has the cycles 2022–2024,
2025–2027, … It is evaluated for the last year of each cycle (2024, 2027, …), and 优秀 for that
cycle earns the 50万 post-subsidy. A program evaluated every year has cycles of one year.
"""
from dataclasses import dataclass

SJZ22_CYCLE_YEARS = 3


@dataclass(frozen=True)
class Cycle:
    first_year: int
    last_year: int

    def __str__(self):
        return f"{self.first_year}–{self.last_year}"


def cycle_ending(recognition_year: int, year: int, cycle_years: int = SJZ22_CYCLE_YEARS) -> Cycle | None:
    """The evaluation cycle that ends with `year` for an institute recognised in `recognition_year`,
    counted from the recognition year (its year 1); None when `year` closes no cycle."""
    cycle_years = max(int(cycle_years), 1)
    years_in = year - recognition_year + 1
    if years_in < cycle_years or years_in % cycle_years:
        return None
    return Cycle(year - cycle_years + 1, year)
