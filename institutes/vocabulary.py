"""Closed vocabularies the programs' data refers to by code. Which codes a program uses is data
(see program_catalog.py); what each code means and how it is shown is code, so it can be translated."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadUnitCategory(models.TextChoices):
    # ZZ23 第八条(一)
    INDUSTRY_HEAD = "industry_head", _("Head (leading) enterprise of the industry")
    CHAIN_LEADER_MIIT = "miit_chain_leader", _("MIIT industrial-chain leading enterprise")
    SINGLE_CHAMPION = "single_champion", _("Manufacturing single champion demonstration enterprise")
    LITTLE_GIANT = "little_giant", _("Specialised and sophisticated “little giant” enterprise")
    LOCAL_SUBSIDIARY = "local_subsidiary", _("Subsidiary or controlled company set up locally by a leading enterprise")
    LEADING_RD_INSTITUTION = "leading_rd_institution", _("R&D institution with a technology lead in its field")
    # HN23 二(二) 组织形式
    INFLUENTIAL_ENTERPRISE = "influential_enterprise", _("Enterprise with strong influence in the field or industrial chain")
    INFLUENTIAL_RESEARCH_INSTITUTE = "influential_research_institute", _(
        "Research institute (including converted institutes) with strong influence in the field"
    )
    # SJZ22 二(一)
    CHAIN_MASTER = "chain_master", _("“Chain master” enterprise of an industrial chain")
    BACKBONE_ENTERPRISE = "backbone_enterprise", _("Backbone enterprise of an industrial chain")


class Qualification(models.TextChoices):
    """Yes/no facts a lead unit declares; each application form shows those its program asks for."""

    HIGH_TECH = "is_high_tech", _("Is a certified high-tech enterprise")
    PROVINCIAL_PLATFORM = "has_provincial_platform", _("Has a provincial/ministerial-level or higher innovation platform")
    KEY_PROJECT = "completed_key_project", _(
        "Took part in and completed a national or provincial key R&D project in the last 5 years"
    )
    AWARD_PROJECT = "led_award_project", _(
        "Led a project that won a city-level or higher technology award or pilot demonstration in the last 5 years"
    )
    RD_FACILITIES = "has_rd_facilities", _("Has the facilities, equipment and staff for R&D and pilot testing")
    NOT_DISHONEST = "declares_not_dishonest", _(
        "The lead unit, participating units and their legal representatives are not on the dishonesty list"
    )
    NO_VIOLATIONS = "no_violations_3y", _(
        "No environmental, safety, intellectual-property or tax violations in the last 3 years"
    )
    JOINT_STOCK_CARRIER = "carrier_joint_stock", _("The carrier company is a joint-stock independent legal person")
    COMPANY_PLUS_ALLIANCE = "company_plus_alliance", _("Organised as “company + alliance”")
    EXPERT_COMMITTEE = "has_expert_committee", _("Has a technical expert committee")
