"""How each program grades its annual evaluation, as data (DESIGN.md › Data that is configuration).

`grading_for(code)` gives the rules an evaluation copies onto itself when it is opened
(`AnnualEvaluation.grading`), so a later change here never regrades a year already open:

- `grades`: the grades the program gives, best first (HN23 only passes or fails a centre);
- `cut_offs`: the average score at or above which each grade is earned; below the last, 不合格.
  ZZ23 第十三条 names the four grades and no score bars: 90 / 75 / 60 on the 100-point rubric are
  the portal's defaults, to be confirmed by the 市工信局;
- `excellent_quota`: the share of evaluated institutes that may be 优秀, rounded down
  (ZZ23 第十三条 "优秀比例不超过20%"); the same share is the default where a document is silent;
- `first_evaluated_year` and `cycle_years`: an active institute is due when the evaluated year is
  its Nth year or later (the recognition year is year 1; 2 = "recognised before that year") and
  `year` closes one of its cycles (`institutes.cycles.cycle_ending`; SJZ22 四(四): one cycle is 3
  years counted from the recognition year, so a 2022 institute is evaluated for 2024, 2027, …).
  XX22 evaluates yearly from the listing year (五(五));
- `targets` and `targets_from_year`: yearly minimums read from the accepted annual report, checked
  from the institute's Nth year (XX22 五(五): from the second year ≥ 10 new achievements and
  ≥ 5 transferred technologies); a shortfall is shown to the panel;
- `agreement`: the centre is assessed against its annual construction agreement, whose targets the
  manager records on the entry (HN23 实施方案 四(五)).
"""
from copy import deepcopy

EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"

FOUR_GRADES = {
    "grades": [EXCELLENT, GOOD, PASS, FAIL],
    "cut_offs": {EXCELLENT: "90", GOOD: "75", PASS: "60"},
    "excellent_quota": "0.20",
    "first_evaluated_year": 2,
    "cycle_years": 1,
    "targets": {},
    "targets_from_year": None,
    "agreement": False,
}

GRADING_RULES = {
    "ZZ23": FOUR_GRADES,
    "XX22": {
        **FOUR_GRADES,
        "first_evaluated_year": 1,
        "targets": {"new_achievements": 10, "technologies_transferred": 5},
        "targets_from_year": 2,
    },
    "SJZ22": {**FOUR_GRADES, "cycle_years": 3},
    "HN23": {
        **FOUR_GRADES,
        "grades": [PASS, FAIL],
        "cut_offs": {PASS: "60"},
        "excellent_quota": None,
        "agreement": True,
    },
}


def grading_for(program_code: str) -> dict:
    return deepcopy(GRADING_RULES.get(program_code, FOUR_GRADES))
