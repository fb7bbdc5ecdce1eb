"""Admin views of the expert pool and the panels (imported by reviews/admin.py). Read-only: experts
change through the pool pages and panels through the draw and the workflow, which audit every step."""
from django.contrib import admin

from .models import Expert, ExpertEmployment, ExpertTie, Panel, PanelItem, PanelMember


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EmploymentInline(ReadOnlyInline):
    model = ExpertEmployment


class TieInline(ReadOnlyInline):
    model = ExpertTie


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "pool", "employer_name", "region", "is_active")
    list_filter = ("kind", "pool", "is_active", "fields")
    search_fields = ("name", "employer_name", "employer_uscc", "phone", "email")
    list_select_related = ("region",)
    inlines = [EmploymentInline, TieInline]


@admin.register(ExpertEmployment)
class ExpertEmploymentAdmin(ReadOnlyAdmin):
    list_display = ("expert", "employer_name", "employer_uscc", "started_on", "ended_on")
    search_fields = ("expert__name", "employer_name", "employer_uscc")
    list_select_related = ("expert",)


@admin.register(ExpertTie)
class ExpertTieAdmin(ReadOnlyAdmin):
    list_display = ("expert", "organization_name", "organization_uscc", "description", "declared_on")
    search_fields = ("expert__name", "organization_name", "organization_uscc")
    list_select_related = ("expert",)


class MemberInline(ReadOnlyInline):
    model = PanelMember
    fields = ("expert", "role", "status", "draw_round", "replaces", "responded_at", "response_reason")


class ItemInline(ReadOnlyInline):
    model = PanelItem
    fields = ("application", "institute", "listed_for_inspection")


@admin.register(Panel)
class PanelAdmin(ReadOnlyAdmin):
    list_display = ("name", "program", "purpose", "industry_field", "size", "state", "created_at")
    list_filter = ("program", "purpose", "state")
    search_fields = ("name",)
    list_select_related = ("program", "industry_field")
    inlines = [MemberInline, ItemInline]


@admin.register(PanelMember)
class PanelMemberAdmin(ReadOnlyAdmin):
    list_display = ("panel", "expert", "role", "status", "draw_round", "responded_at")
    list_filter = ("role", "status")
    search_fields = ("panel__name", "expert__name")
    list_select_related = ("panel", "expert")


@admin.register(PanelItem)
class PanelItemAdmin(ReadOnlyAdmin):
    list_display = ("panel", "application", "institute", "listed_for_inspection")
    search_fields = ("panel__name", "application__reference", "institute__name")
    list_select_related = ("panel", "application", "institute")
