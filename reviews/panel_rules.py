"""Panel composition and conflict-of-interest rules, as data (DESIGN.md › Data that is configuration).

`PANEL_COMPOSITION` says, per program code, what a panel drawn for that program must include; a
program without an entry uses `DEFAULT_COMPOSITION`. The draw (reviews/services/draw.py) fills the
seats in this order, each by a seeded random choice among the eligible experts:

1. `pool_seats`: seats reserved for experts of a pool, e.g. HN23 规程 第六条(三) and 第七条(二):
   experts are drawn "分别从河南省工信行业专家管理系统和财务专家库" — from the industry expert
   system *and* the financial expert pool: one seat from the financial pool, the rest from industry;
2. `min_kinds`: the kinds the panel must hold at least so many of — the leader (组长) is a
   management expert and the deputy (副组长) a technical expert (HN23 第六条(三)2), so every panel
   draws at least one of each — taken from `rest_pools`;
3. the remaining seats, from `rest_pools` (None: any pool).

A replacement draw applies the same rules to the members still seated.

`FORMER_EMPLOYER_YEARS`: a former employer is a conflict while the employment ended less than this
many years ago (an employment that ended exactly that many years ago to the day no longer counts).
"""
from dataclasses import dataclass, field

FORMER_EMPLOYER_YEARS = 3


@dataclass(frozen=True)
class PanelComposition:
    pool_seats: dict[str, int] = field(default_factory=dict)
    min_kinds: dict[str, int] = field(default_factory=dict)
    rest_pools: tuple[str, ...] | None = None

    def as_dict(self) -> dict:
        return {
            "pool_seats": dict(self.pool_seats),
            "min_kinds": dict(self.min_kinds),
            "rest_pools": list(self.rest_pools) if self.rest_pools is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "PanelComposition":
        rest = data.get("rest_pools")
        return cls(
            pool_seats=dict(data.get("pool_seats", {})), min_kinds=dict(data.get("min_kinds", {})),
            rest_pools=tuple(rest) if rest is not None else None,
        )


LEADER_AND_DEPUTY_KINDS = {"management": 1, "technical": 1}

DEFAULT_COMPOSITION = PanelComposition(min_kinds=LEADER_AND_DEPUTY_KINDS)

PANEL_COMPOSITION = {
    "HN23": PanelComposition(
        pool_seats={"financial": 1}, min_kinds=LEADER_AND_DEPUTY_KINDS, rest_pools=("industry",)
    ),
}


def composition_for(program_code: str) -> PanelComposition:
    return PANEL_COMPOSITION.get(program_code, DEFAULT_COMPOSITION)
