"""Rule versions are data: one rule code, one document article, one rule type with its
parameters, and the window of event dates it applies to.

Staff add versions (new amounts, caps, windows) without a code change; an event is quoted
with the version in force on its date, so old events keep the old version.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import RuleDefinitionError
from .rule_types import PAYEES, RuleType, rule_type_named

# What `paid_in_period` sums: the period a share's cap covers.
CAP_PERIODS = {
    "year": gettext_lazy("per payee per year"),
    "once": gettext_lazy("once per payee and subject, ever"),
    "claim": gettext_lazy("for this claim"),
}


@dataclass(frozen=True)
class RuleVersion:
    code: str
    document: str
    article: str
    title: str
    rule_type: str
    params: dict
    payees: tuple[str, ...]
    effective_from: date
    effective_to: date | None = None
    cap_period: str = "claim"

    def __post_init__(self):
        if not isinstance(self.code, str) or not self.code:
            raise RuleDefinitionError(_("A rule version needs a code."))
        self._check_window()
        self._check_payees()
        if self.cap_period not in CAP_PERIODS:
            raise RuleDefinitionError(
                _("%(code)s: cap_period must be one of %(periods)s.")
                % {"code": self.code, "periods": ", ".join(CAP_PERIODS)}
            )
        object.__setattr__(self, "payees", tuple(self.payees))
        object.__setattr__(self, "params", self.kind.validate(self.params, self.payees))

    def _check_window(self) -> None:
        bounds = [self.effective_from] + ([] if self.effective_to is None else [self.effective_to])
        if any(not isinstance(day, date) or isinstance(day, datetime) for day in bounds):
            raise RuleDefinitionError(_("%(code)s: the effective window must be given as dates.") % {"code": self.code})
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise RuleDefinitionError(_("%(code)s: the effective window ends before it starts.") % {"code": self.code})

    def _check_payees(self) -> None:
        if not self.payees or not set(self.payees) <= PAYEES.keys():
            raise RuleDefinitionError(
                _("%(code)s: payees must be among %(known)s.") % {"code": self.code, "known": ", ".join(PAYEES)}
            )

    @property
    def kind(self) -> RuleType:
        return rule_type_named(self.rule_type)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def window(self) -> str:
        if self.effective_to is None:
            return _("from %(start)s") % {"start": self.effective_from.isoformat()}
        return _("%(start)s to %(end)s") % {
            "start": self.effective_from.isoformat(),
            "end": self.effective_to.isoformat(),
        }


def select_version(versions: Iterable[RuleVersion], code: str, day: date) -> RuleVersion | None:
    """The version of `code` in force on `day`, from any iterable of versions (the catalog,
    database rows, …): among those whose window contains the day, the one that started last,
    since a new version supersedes an old one from its start date. None when none applies."""
    in_force = sorted(
        (version for version in versions if version.code == code and version.in_force_on(day)),
        key=lambda version: version.effective_from,
        reverse=True,
    )
    if len(in_force) > 1 and in_force[0].effective_from == in_force[1].effective_from:
        raise RuleDefinitionError(
            _("Two versions of %(code)s start on %(start)s; which one applies is ambiguous.")
            % {"code": code, "start": in_force[0].effective_from.isoformat()}
        )
    return in_force[0] if in_force else None
