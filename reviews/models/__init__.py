"""Experts, panels and the draw, rubrics and scores, site inspections, public notices and
objections. One module per concern; everything is importable from `reviews.models`."""
from .experts import Expert, ExpertEmployment, ExpertTie
from .initial_review import InitialReviewPart, InitialReviewRecord
from .panels import Panel, PanelItem, PanelMember
from .publicity import DecisionMeeting, NoticeItem, Objection, PublicNotice, ThirdPartyRecognition
from .scoring import ConflictDeclaration, Rubric, RubricCriterion, Score, ScoreSheet
from .evaluation import AnnualEvaluation, EvaluationEntry
from .inspections import (
    AcceptanceCheck, AcceptancePoint, AcceptanceReview, InspectionAssessment, InspectionAttendance, SiteInspection,
)

__all__ = [
    "AcceptanceCheck", "AcceptancePoint", "AnnualEvaluation", "EvaluationEntry", "AcceptanceReview", "ThirdPartyRecognition",
    "ConflictDeclaration", "DecisionMeeting", "Expert", "ExpertEmployment", "ExpertTie", "InspectionAssessment",
    "InitialReviewPart", "InitialReviewRecord", "InspectionAttendance", "NoticeItem", "Objection", "Panel", "PanelItem", "PanelMember", "PublicNotice",
    "Rubric", "RubricCriterion", "Score", "ScoreSheet", "SiteInspection",
]
