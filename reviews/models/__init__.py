"""Experts, panels and the draw, rubrics and scores, site inspections, public notices and
objections. One module per concern; everything is importable from `reviews.models`."""
from .experts import Expert, ExpertEmployment, ExpertTie
from .initial_review import InitialReviewPart, InitialReviewRecord
from .panels import Panel, PanelItem, PanelMember
from .publicity import DecisionMeeting, NoticeItem, Objection, PublicNotice
from .scoring import ConflictDeclaration, Rubric, RubricCriterion, Score, ScoreSheet
from .inspections import InspectionAssessment, InspectionAttendance, SiteInspection

__all__ = [
    "ConflictDeclaration", "DecisionMeeting", "Expert", "ExpertEmployment", "ExpertTie", "InspectionAssessment",
    "InitialReviewPart", "InitialReviewRecord", "InspectionAttendance", "NoticeItem", "Objection", "Panel", "PanelItem", "PanelMember", "PublicNotice",
    "Rubric", "RubricCriterion", "Score", "ScoreSheet", "SiteInspection",
]
