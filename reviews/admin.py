"""Admin of the reviews app. Rubrics are configuration that staff edit here; everything else is
read-only, because it changes through the workflow screens, which audit every step."""
from django.contrib import admin

from . import admin_experts  # noqa: F401  (registers the expert pool and panels)
from .admin_experts import ReadOnlyAdmin
from .models import (
    DecisionMeeting, InitialReviewRecord, Objection, PublicNotice, Rubric, RubricCriterion, SiteInspection,
)


class CriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0
    fields = ("order", "code", "name", "max_points", "guidance")


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ("name", "program", "purpose", "effective_from", "pass_mark", "outlier_margin")
    list_filter = ("program", "purpose")
    inlines = [CriterionInline]


@admin.register(InitialReviewRecord)
class InitialReviewRecordAdmin(ReadOnlyAdmin):
    list_display = ("application", "round", "part", "passed", "reviewer", "recorded_at")
    list_select_related = ("application", "reviewer")


@admin.register(SiteInspection)
class SiteInspectionAdmin(ReadOnlyAdmin):
    list_display = ("panel", "visited_on", "location", "recorded_by")
    list_select_related = ("panel", "recorded_by")


@admin.register(DecisionMeeting)
class DecisionMeetingAdmin(ReadOnlyAdmin):
    list_display = ("program", "held_on", "document_number")
    list_select_related = ("program",)


@admin.register(PublicNotice)
class PublicNoticeAdmin(ReadOnlyAdmin):
    list_display = ("title", "program", "starts_on", "ends_on", "state")
    list_filter = ("program", "state")
    list_select_related = ("program",)


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("reference", "notice", "name", "state", "submitted_at")
    list_filter = ("state",)
    search_fields = ("reference", "name")
    list_select_related = ("notice",)
