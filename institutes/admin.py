from django.contrib import admin

from .models import AnnualReport, Application, IndustryField, Institute, Program, Revocation


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "document_number", "effective_from", "effective_to", "accepts_applications")
    filter_horizontal = ("managers",)


@admin.register(IndustryField)
class IndustryFieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("name",)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications change only through the workflow screens, which audit every step."""

    list_display = ("reference", "program", "organization", "state", "submitted_at")
    list_filter = ("program", "state")
    search_fields = ("reference", "title", "organization__name")
    list_select_related = ("program", "organization")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Institute)
class InstituteAdmin(admin.ModelAdmin):
    list_display = ("name", "program", "lead_unit", "industry_field", "state", "recognized_on")
    list_filter = ("program", "state")
    search_fields = ("name", "lead_unit__name")
    list_select_related = ("program", "lead_unit", "industry_field")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the workflow screens, which audit every step."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ("institute", "year", "state", "is_overdue", "submitted_at", "accepted_on")
    list_filter = ("state", "is_overdue", "year", "institute__program")
    search_fields = ("institute__name", "institute__lead_unit__name")
    list_select_related = ("institute",)


@admin.register(Revocation)
class RevocationAdmin(ReadOnlyAdmin):
    list_display = ("institute", "grounds", "state", "proposed_on", "decided_on", "document_reference",
                    "funds_obtained_by_fraud")
    list_filter = ("state", "grounds", "funds_obtained_by_fraud")
    search_fields = ("institute__name", "document_reference")
    list_select_related = ("institute",)
