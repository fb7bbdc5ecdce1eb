"""What one award *is*, so that "once", "首次" and 合计 rules pay each payee once per award and never
more than their total (POLICY.md §6 "Caps and 'once' belong to the payee and the rule's level, never
to free text"; docs/policy-decisions.md).

An award is identified by the payee, the rule, its level (the rule's choice facts: board, award
level …) and, for rules that pay once *per thing* (a patent, a standard, a product category, an
award-winning result), the official identifier of that thing, normalised so that spaces, full-width
characters or case do not make a new award. The subject the applicant types is a description only.

Two keys come out of `award_keys`:
- `award`: what is paid once (with its stage, for awards paid in stages);
- `total`: what the rule's cap sums over. It is the award itself, except for a *family* of levels
  that share one total: ZZ23 五（四）"对在科创板上市的企业合计给予1000万元奖励，其他境内上市企业合计
  给予800万元奖励…境外主流资本市场上市…一次性800万元" — an enterprise's STAR, other domestic and
  overseas listing awards are one listing award, whose total is the board's amount, across claims,
  boards and stages.

Split awards (XX22 四（三）、（十一）: the spin-off enterprise *and* its institute) are per spin-off: the
institute's share for one spin-off's listing is not the same award as for another's, so the
enterprise's organisation is part of the key.
"""
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Identifier:
    """The official identifier an award is paid once for, as the claim form asks for it."""

    kind: str
    label: object
    help_text: object
    pattern: str = ""  # a regular expression the normalised value must match ("" = any text)
    example: str = ""

    def normalise(self, value: str) -> str:
        text = unicodedata.normalize("NFKC", value or "").upper()
        if self.kind == "patent_number":
            text = re.sub(r"^ZL", "", re.sub(r"[\s,，]", "", text))
        elif self.kind == "standard_number":
            text = re.sub(r"\s+", "", text).replace("—", "-").replace("－", "-")
        else:  # text identifiers: case, width, spaces and punctuation do not make a new award
            text = re.sub(r"[\W_]+", "", text.casefold())
        return text

    def error(self, value: str):
        """A message when `value` is not a valid identifier of this kind, else None."""
        normalised = self.normalise(value)
        if not normalised:
            return _("Give the %(what)s: the award is paid once for it.") % {"what": self.label}
        if self.pattern and not re.fullmatch(self.pattern, normalised):
            return _("“%(value)s” is not a valid %(what)s (for example %(example)s).") % {
                "value": value, "what": self.label, "example": self.example}
        return None


PATENT = Identifier(
    "patent_number", _("patent number"),
    _("The patent number of the certificate, e.g. ZL201810123456.7; the award is paid once per patent."),
    pattern=r"\d{8}(\d{4})?\.?[\dX]", example="ZL201810123456.7",
)
STANDARD = Identifier(
    "standard_number", _("standard number"),
    _("The number of the published standard, e.g. GB/T 12345-2024; the award is paid once per standard."),
    pattern=r"[A-Z]{2,}[A-Z/]*\d[\d.\-:]*", example="GB/T 12345-2024",
)
PRODUCT_CATEGORY = Identifier(
    "product_category", _("product category"),
    _("The product category as the catalogue lists it; a series of one product is the same category "
      "(同一产品的系列产品不重复奖励)."),
)
EQUIPMENT = Identifier(
    "equipment", _("first-set equipment product"),
    _("The equipment product as named in the national or provincial first-set award document."),
)
RESULT = Identifier(
    "award_result", _("awarded result and certificate number"),
    _("The certificate number of the award (证书编号); the award is paid once per awarded result."),
)
PATENT_OR_SESSION = Identifier(
    "patent_or_session", _("patent number (for the organisation award: the session)"),
    _("The patent number, e.g. ZL201810123456.7; for the excellent-organisation award the session, "
      "e.g. 第二十五届."),
)


@dataclass(frozen=True)
class AwardIdentity:
    identifier: Identifier | None = None
    family: frozenset = field(default_factory=frozenset)  # levels sharing one total
    family_name: str = ""


LISTING = AwardIdentity(family=frozenset({"star", "domestic", "overseas"}), family_name="listing")

# By rule code; a code not listed (e.g. HN23 rules staff add) is paid once per payee, rule and level.
AWARD_IDENTITIES: dict[str, AwardIdentity] = {
    "ZZ23-4": LISTING,
    "ZZ23-6A": AwardIdentity(identifier=PRODUCT_CATEGORY),
    "ZZ23-6B": AwardIdentity(identifier=PATENT),
    "ZZ23-7": AwardIdentity(identifier=EQUIPMENT),
    "ZZ23-8A": AwardIdentity(identifier=PATENT_OR_SESSION),
    "ZZ23-8B": AwardIdentity(identifier=PATENT),
    "ZZ23-9A": AwardIdentity(identifier=STANDARD),
    "ZZ23-9B": AwardIdentity(identifier=STANDARD),
    "XX22-5A": AwardIdentity(identifier=RESULT),
    "XX22-5B": AwardIdentity(identifier=RESULT),
}
PLAIN = AwardIdentity()


def identity_of(code: str) -> AwardIdentity:
    return AWARD_IDENTITIES.get(code, PLAIN)


def identifier_of(code: str) -> Identifier | None:
    return identity_of(code).identifier


@dataclass(frozen=True)
class AwardKeys:
    award: str
    total: str


def _level_parts(version, facts: dict, skip=()) -> list[str]:
    return [
        f"{fact.name}={facts.get(fact.name, '')}"
        for fact in version.kind.facts(version.params)
        if fact.kind == "choice" and fact.name not in skip
    ]


def award_keys(code: str, version, facts: dict, *, identifier: str = "", enterprise_id=None,
               milestones: tuple = ()) -> AwardKeys:
    """The award and total keys of an event under `version` (a calculator RuleVersion)."""
    identity = identity_of(code)
    parts = [code]
    if enterprise_id is not None and "enterprise" in version.payees and len(version.payees) > 1:
        parts.append(f"enterprise={enterprise_id}")
    if identity.identifier is not None:
        parts.append(f"id={identity.identifier.normalise(identifier)}")
    level_fact = version.params.get("fact") if version.rule_type == "fixed_by_level" else None
    level = facts.get(level_fact) if level_fact else None
    if identity.family and level in identity.family:
        total = "|".join([*parts, f"family={identity.family_name}"])
        award = "|".join([total, *_level_parts(version, facts, skip=(level_fact,))])
        return AwardKeys(award=award[:255], total=total[:255])
    parts.extend(_level_parts(version, facts, skip=("stage",)))
    if milestones:
        parts.append("above=" + ",".join(str(above) for above in milestones))
    total = "|".join(parts)
    stage = facts.get("stage")
    award = f"{total}|stage={stage}" if stage and "stage" in version.kind.fact_names(version.params) else total
    return AwardKeys(award=award[:255], total=total[:255])
