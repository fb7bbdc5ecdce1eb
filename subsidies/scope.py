"""Who a claimed rule may pay, and what evidence it needs (POLICY.md §6 “Program scope of a claim”).

The scope of each document is data (`SCOPES`, keyed by program code, with the roles of each rule in
`RULE_ROLES`); the evidence each rule asks for is data too (`EVIDENCE`, keyed by rule code). The
checks read only these tables, never a rule code in an `if`:

    XX22  本意见中产研院范围为省政府认定的产业研究院 (scope clause) — provincially recognised
          institutes registered in Xinxiang, and 产研院将科技成果产业化所新设立的衍生企业 (四(三), (十一))
    ZZ23  产业研究院及衍生孵化企业 (五(三)–(九)); 已批复的省产业研究院可享受市产业研究院相关扶持政策
          (第十条(二)): institutes of the ZZ23 program, municipal or registered from the province
    SJZ22 由我市地域内注册的…企业牵头 (二(一)); 通过认定的产业技术研究院，从获得资格认定年度起 (四(二))
    ZZ17  units in Zhengzhou (not institute-specific)
    HN23  河南省制造业创新中心 (recognised centres and cultivation units of the HN23 program)

A spin-off is declared on the claim: the claim names the institute, and the institute's lead unit is
the payee of the institute's share; every other organisation the claim pays as a spin-off must be
located in the program's region (docs/policy-decisions.md)."""
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutes.models import Institute

# Who may fill a payee role of a rule.
LEAD = "lead"  # the institute's lead unit (the institute itself where it is the lead unit's)
SPIN_OFF = "spin_off"  # a spin-off of the institute: not its lead unit
EITHER = "either"  # the institute or its spin-off
ANY_UNIT = "any"  # any unit in the region (rules not tied to an institute)


@dataclass(frozen=True)
class ProgramScope:
    """What one document covers: the region (code of the subtree), whether a claim must name an
    institute of `institute_programs` (in operation on the event date), and the reason shown to a
    unit the document does not cover."""

    region: str
    reason: object  # lazy translated sentence
    article: str
    institute_programs: tuple = ()
    provincial_only: bool = False  # the institute must be registered from a provincial recognition
    default_role: str = LEAD

    @property
    def needs_institute(self) -> bool:
        return bool(self.institute_programs)


SCOPES = {
    "XX22": ProgramScope(
        region="410700", institute_programs=("XX22",), provincial_only=True, article="XX22 四、五（末段）",
        reason=gettext_lazy("Only for provincially recognised institutes located in Xinxiang and their spin-offs."),
    ),
    "ZZ23": ProgramScope(
        region="410100", institute_programs=("ZZ23",), default_role=EITHER, article="ZZ23 实施方案五、办法第十条（二）",
        reason=gettext_lazy(
            "Only for Zhengzhou industrial research institutes (provincial ones registered here included) "
            "and their spin-offs."
        ),
    ),
    "SJZ22": ProgramScope(
        region="130100", institute_programs=("SJZ22",), article="SJZ22 二（一）、四（二）",
        reason=gettext_lazy("Only for municipal industrial technology research institutes of Shijiazhuang."),
    ),
    "ZZ17": ProgramScope(
        region="410100", default_role=ANY_UNIT, article="ZZ17 三",
        reason=gettext_lazy("Only for units located in Zhengzhou."),
    ),
    "HN23": ProgramScope(
        region="410000", institute_programs=("HN23",), article="HN23 实施方案三、第八条",
        reason=gettext_lazy("Only for Henan provincial manufacturing innovation centres."),
    ),
}


@dataclass(frozen=True)
class RuleRoles:
    """Who may be paid under one rule: {payee role: LEAD | SPIN_OFF | EITHER | ANY_UNIT}; when
    `choice_fact` is set, only the role that fact names is paid (the first completing unit)."""

    roles: dict = field(default_factory=dict)
    choice_fact: str = ""
    choice_default: str = ""


RULE_ROLES = {
    # ZZ23 五（三）: 对直接获得投资的未上市衍生孵化企业
    "ZZ23-3": RuleRoles({"enterprise": SPIN_OFF}),
    # ZZ23 五（六）后段、（七）、（八）、（九）: 产业研究院获得的发明专利 / 引进和研发的 / 研发的专利 / 参与制订标准
    "ZZ23-6B": RuleRoles({"institute": LEAD}),
    "ZZ23-7": RuleRoles({"institute": LEAD}),
    "ZZ23-8A": RuleRoles({"patentee": LEAD, "unit": LEAD}),
    "ZZ23-8B": RuleRoles({"patentee": LEAD}),
    "ZZ23-9A": RuleRoles({"institute": LEAD}),
    "ZZ23-9B": RuleRoles({"institute": LEAD}),
    # XX22 四（三）、（十一）: 衍生企业 … 再对相应产研院
    "XX22-3": RuleRoles({"enterprise": SPIN_OFF, "institute": LEAD}),
    "XX22-11": RuleRoles({"enterprise": SPIN_OFF, "institute": LEAD}),
    # XX22 四（五）: 产研院或者其衍生企业作为第一完成单位
    "XX22-5A": RuleRoles({"institute": LEAD, "enterprise": SPIN_OFF}, choice_fact="first_unit", choice_default="institute"),
    "XX22-5B": RuleRoles({"institute": LEAD, "enterprise": SPIN_OFF}, choice_fact="first_unit", choice_default="institute"),
}

# The evidence each rule needs, from the articles of its document; a claim is submitted with at least one file.
EVIDENCE = {
    "ZZ23-3": [gettext_lazy("Investment agreement and capital verification report (cash entered in the registered capital)"),
               gettext_lazy("Proof that the enterprise is a spin-off of the institute")],
    "ZZ23-4": [gettext_lazy("Listing announcement or quotation certificate"),
               gettext_lazy("Proof of the 千企展翼 conditions (NEEQ and regional equity exchange only)")],
    "ZZ23-4B": [gettext_lazy("Bond or note issue announcement and proof of the funds raised")],
    "ZZ23-6A": [gettext_lazy("Catalogue listing notice naming the product category")],
    "ZZ23-6B": [gettext_lazy("Invention patent certificate"), gettext_lazy("Proof of the patent product's annual sales (audit report)")],
    "ZZ23-7": [gettext_lazy("First-set (首台套) recognition document"), gettext_lazy("National or provincial funding document of the award")],
    "ZZ23-8A": [gettext_lazy("China Patent Award certificate")],
    "ZZ23-8B": [gettext_lazy("Henan Patent Award certificate")],
    "ZZ23-9A": [gettext_lazy("Standard text and its publication notice"), gettext_lazy("Proof of the drafting units' ranking")],
    "ZZ23-9B": [gettext_lazy("Standard text and its publication notice"), gettext_lazy("Proof of the drafting units' ranking (top three)")],
    "XX22-3": [gettext_lazy("Quotation or listing announcement"), gettext_lazy("Proof that the enterprise is a spin-off of the institute")],
    "XX22-5A": [gettext_lazy("Award certificate naming the first completing unit"),
                gettext_lazy("Proof that the enterprise is a spin-off of the institute (when the spin-off is paid)")],
    "XX22-5B": [gettext_lazy("Award certificate naming the first completing unit"),
                gettext_lazy("Proof that the enterprise is a spin-off of the institute (when the spin-off is paid)")],
    "XX22-11": [gettext_lazy("Audited annual financial statements showing the operating revenue"),
                gettext_lazy("Proof that the enterprise is a spin-off of the institute")],
    "ZZ17-5": [gettext_lazy("Technology contract and its registration certificate"), gettext_lazy("Payment vouchers")],
    "ZZ17-6": [gettext_lazy("Project contract with the Zhengzhou enterprise"), gettext_lazy("Proof of the funds actually received")],
    "ZZ17-10A": [gettext_lazy("Recognition document of the agency")],
    "ZZ17-10B": [gettext_lazy("Recognition document of the agency")],
    "ZZ17-10C": [gettext_lazy("Technology contracts and their registration certificates")],
    "ZZ17-10D": [gettext_lazy("Recognition document of the agency")],
    "ZZ17-10E": [gettext_lazy("International technology contracts and their registration certificates"), gettext_lazy("Payment vouchers")],
    "ZZ17-11": [gettext_lazy("Sharing service agreement and fee vouchers, or the approved post-subsidy document")],
    "SJZ22-5": [gettext_lazy("Provincial recognition document of the institute")],
    "SJZ22-6": [gettext_lazy("Project approval document and cooperation agreement")],
}
DEFAULT_EVIDENCE = [gettext_lazy("Documents proving the event (award certificate, decision, contract)")]


def program_code(rule_code: str) -> str:
    return rule_code.partition("-")[0]


def scope_of(rule_code: str) -> ProgramScope | None:
    return SCOPES.get(program_code(rule_code))


def evidence_needed(rule_code: str) -> list:
    return list(EVIDENCE.get(rule_code, DEFAULT_EVIDENCE))


def _in_region(organization, code: str) -> bool:
    return f"/{code}/" in f"/{organization.region.path}"


def _roles(rule_code: str, scope: ProgramScope, payee_roles, facts: dict) -> dict:
    """{role: who may fill it} for the roles this claim pays."""
    spec = RULE_ROLES.get(rule_code, RuleRoles())
    roles = {role: spec.roles.get(role, scope.default_role) for role in payee_roles}
    if spec.choice_fact:
        chosen = facts.get(spec.choice_fact) or spec.choice_default
        roles = {role: kind for role, kind in roles.items() if role == chosen} or roles
    return roles


def institute_problem(institute, scope: ProgramScope, day) -> str:
    """Why `institute` does not carry the document's support on `day` ("" when it does)."""
    values = {"institute": institute.name, "day": day.isoformat()}
    if institute.program.code not in scope.institute_programs:
        return _("%(institute)s is not an institute of this program.") % values
    if scope.provincial_only and not institute.registered_from_province:
        return _("%(institute)s is not registered as a provincially recognised institute.") % values
    if institute.recognized_on > day:
        return _("%(institute)s was not yet recognised on %(day)s.") % values
    if institute.state == Institute.State.REVOKED and institute.revoked_on and institute.revoked_on <= day:
        return _("%(institute)s was revoked on %(revoked)s, before the event.") % {
            **values, "revoked": institute.revoked_on.isoformat()}
    if institute.state == Institute.State.CANCELLED and institute.cancelled_on and institute.cancelled_on <= day:
        return _("%(institute)s was cancelled on %(cancelled)s, before the event.") % {
            **values, "cancelled": institute.cancelled_on.isoformat()}
    if not _in_region(institute.lead_unit, scope.region):
        return _("%(institute)s is not located in the program's region.") % values
    return ""


def scope_problems(claim, payee_roles, payees: dict) -> list[str]:
    """Why the claim's rule does not cover its units (empty when it does). `payee_roles`: the rule's
    payee roles; `payees`: {role: Organization} named on the claim (the claimant fills the rest)."""
    scope = scope_of(claim.rule_code)
    if scope is None:
        return []
    reason = str(scope.reason)
    problems = []
    kinds = _roles(claim.rule_code, scope, payee_roles, claim.facts)
    paid = {role: payees.get(role, claim.organization) for role in kinds}
    for organization in dict.fromkeys([claim.organization, *paid.values()]):
        if not _in_region(organization, scope.region):
            problems.append(_("%(unit)s is not located in %(region)s. %(reason)s") % {
                "unit": organization.name, "region": claim.program.region.name, "reason": reason})
    if not scope.needs_institute:
        return problems
    institute = claim.institute
    if institute is None:
        return problems + [_("Name the institute the award is for. %(reason)s") % {"reason": reason}]
    problem = institute_problem(institute, scope, claim.event_date)
    if problem:
        return problems + [f"{problem} {reason}"]
    for role, organization in paid.items():
        kind, is_lead = kinds[role], organization.pk == institute.lead_unit_id
        values = {"unit": organization.name, "institute": institute.name, "role": role}
        if kind == LEAD and not is_lead:
            problems.append(_("%(unit)s is not the lead unit of %(institute)s: this award is paid to the "
                              "institute itself.") % values)
        elif kind == SPIN_OFF and is_lead:
            problems.append(_("%(unit)s leads %(institute)s: this award is paid to a spin-off enterprise of the "
                              "institute, with the institute's share to its lead unit.") % values)
    return problems


def offer_reason(rule_code: str, organization, led_institutes, day) -> str:
    """Why a unit is not offered `rule_code` on the start page ("" when it is): outside the region,
    or a rule paid only to institutes while the unit leads none of the program in operation."""
    scope = scope_of(rule_code)
    if scope is None:
        return ""
    if not _in_region(organization, scope.region):
        return str(scope.reason)
    if not scope.needs_institute:
        return ""
    spec = RULE_ROLES.get(rule_code, RuleRoles())
    kinds = set(spec.roles.values()) or {scope.default_role}
    if kinds & {SPIN_OFF, EITHER, ANY_UNIT}:
        return ""  # a spin-off files and names the institute
    if any(not institute_problem(institute, scope, day) for institute in led_institutes):
        return ""
    return _("Your unit leads no institute of this program in operation: this award is paid to the institute "
             "itself. %(reason)s") % {"reason": scope.reason}


# ---- the checks of a claim ---------------------------------------------------------------------

EDIT, ADD_EVIDENCE = "edit", "evidence"


@dataclass(frozen=True)
class Blocker:
    """One thing that stops a claim: why, and what to do next (`action`: EDIT or ADD_EVIDENCE)."""

    message: str
    action: str

    @property
    def next_step(self) -> str:
        if self.action == ADD_EVIDENCE:
            return _("Add the evidence on the claim page, then submit again.")
        return _("Edit the claim (the institute, the payees or the event), or withdraw it.")


def _payee_roles(claim) -> tuple:
    from subsidies.models import PolicyRuleVersion
    from subsidies.selectors.rules import version_row_for

    row = version_row_for(claim.rule_code, claim.event_date) or (
        PolicyRuleVersion.objects.quoting().filter(code=claim.rule_code).order_by("-effective_from").first())
    return tuple(row.payees) if row is not None else ()


def claim_blockers(claim) -> list[Blocker]:
    """Why the claim may not be submitted or approved as it stands: out of the program's scope
    (POLICY.md §6), or no evidence."""
    payees = {row.role: row.organization for row in claim.payees.all()}
    blockers = [Blocker(message, EDIT) for message in scope_problems(claim, _payee_roles(claim), payees)]
    if not claim.attachments.exists():
        items = "；".join(str(item) for item in evidence_needed(claim.rule_code))
        blockers.append(Blocker(
            _("The claim has no evidence. This rule needs: %(items)s.") % {"items": items}, ADD_EVIDENCE))
    return blockers


def check_claim(claim) -> None:
    """Refuse (TransitionRefused) a claim out of scope or without evidence, saying why and what next."""
    from portal.workflow import TransitionRefused

    blockers = claim_blockers(claim)
    if blockers:
        steps = dict.fromkeys(blocker.next_step for blocker in blockers)
        raise TransitionRefused(" ".join([*(blocker.message for blocker in blockers), *steps]))
