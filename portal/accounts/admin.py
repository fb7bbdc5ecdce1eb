from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Organization, Region, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("Portal"), {"fields": ("organization", "department", "regions", "phone")}),)
    list_display = ("username", "first_name", "email", "organization", "department", "is_active")
    list_filter = ("groups", "department", "is_active")
    list_select_related = ("organization",)
    filter_horizontal = ("groups", "user_permissions", "regions")
    autocomplete_fields = ("organization",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "kind", "region", "on_dishonesty_list")
    list_filter = ("kind", "on_dishonesty_list")
    search_fields = ("name", "uscc")
    list_select_related = ("region",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "invited_by", "created_at", "accepted_at")
    list_select_related = ("organization", "invited_by")
    readonly_fields = ("token",)
