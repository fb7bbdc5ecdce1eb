"""The program managers' rule pages: the rules of their programs grouped by document with every
version and window; a new version of a rule; a new rule (HN23's funding measures)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from subsidies.models import PolicyRuleVersion
from subsidies.selectors.rules import managed_rules_by_document
from subsidies.services import rules as service

from ..forms.rules import RuleVersionForm


def _require(user, obj=None):
    if not user.has_perm("subsidies.manage_rules", obj):
        raise PermissionDenied


@login_required
def rule_list(request):
    _require(request.user)
    return render(request, "subsidies/rules_list.html", {
        "groups": managed_rules_by_document(request.user),
        "programs": request.user.managed_programs.order_by("code"),
    })


def _save(request, form, program):
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
        return None
    try:
        row = service.add_version(request.user, program, form.version_data(), request=request)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
        return None
    messages.success(request, _("Version %(window)s of %(rule)s was added.") % {
        "window": row.window_label, "rule": row.code})
    return row


@login_required
def rule_version_new(request, code):
    latest = PolicyRuleVersion.objects.managed_by(request.user).filter(code=code).select_related("program").order_by(
        "-effective_from").first()
    if latest is None:
        raise Http404
    _require(request.user, latest)
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None:
        data["code"] = code
    form = RuleVersionForm(data, initial=RuleVersionForm.initial_from(latest), fixed_code=code)
    if request.method == "POST" and _save(request, form, latest.program):
        return redirect("subsidies:rule_list")
    return render(request, "subsidies/rules_form.html", {"form": form, "latest": latest, "program": latest.program})


@login_required
def rule_new(request, program_code):
    program = get_object_or_404(request.user.managed_programs.all(), code=program_code)
    _require(request.user, program)
    form = RuleVersionForm(request.POST or None, initial={
        "code": f"{program.code}-", "document": f"{program.document_number} {program.name}",
        "effective_from": program.effective_from, "params": {},
    })
    if request.method == "POST" and _save(request, form, program):
        return redirect("subsidies:rule_list")
    return render(request, "subsidies/rules_form.html", {"form": form, "latest": None, "program": program})


urlpatterns = [
    path("rules/", rule_list, name="rule_list"),
    path("rules/new/<str:program_code>/", rule_new, name="rule_new"),
    path("rules/<str:code>/versions/new/", rule_version_new, name="rule_version_new"),
]
