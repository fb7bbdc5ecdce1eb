"""The program managers' rule pages: the rules of their programs grouped by document with every
version, its state and window, the versions awaiting *their* decision first; a rule's page with
its versions, who proposed and decided them and the parameter diff; a new version of a rule
(a proposal, in a form made for its rule type); a new rule (HN23's funding measures); the
four-eyes decisions (approve, reject, withdraw, propose and confirm a retirement with its last
day, keep the version)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.workflow import WorkflowError, available_actions
from subsidies.calculator import RULE_TYPES
from subsidies.calculator.labels import RULE_TYPE_LABELS, fact_label
from subsidies.models import PolicyRuleVersion
from subsidies.selectors.rules import awaiting_my_decision, latest_version, managed_rules_by_document, rule_history
from subsidies.services import rules as service

from ..forms.rule_rows import BY_CHOICE_SKELETONS
from ..forms.rules import DecisionForm, RuleVersionForm


def _require(user, obj=None):
    if not user.has_perm("subsidies.manage_rules", obj):
        raise PermissionDenied


@login_required
def rule_list(request):
    _require(request.user)
    return render(request, "subsidies/rules_list.html", {
        "awaiting": awaiting_my_decision(request.user),
        "groups": managed_rules_by_document(request.user),
        "programs": request.user.managed_programs.order_by("code"),
    })


@login_required
def rule_detail(request, code):
    history = rule_history(request.user, code)
    if not history:
        raise Http404
    for item in history:
        item.row._acting_user = request.user
        item.actions = available_actions(item.row, request.user)
    return render(request, "subsidies/rules_detail.html", {
        "code": code, "history": history, "program": history[0].row.program, "decision_form": DecisionForm(),
    })


def _save(request, form, program):
    if not form.is_valid():
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
        return None
    try:
        row = service.propose_version(request.user, program, form.version_data(), request=request)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        messages.error(request, _("Nothing was saved: please correct the fields marked below."))
        return None
    messages.success(request, _(
        "Version %(window)s of %(rule)s was proposed. It quotes nothing until another program manager of "
        "%(program)s approves it.") % {"window": row.window_label, "rule": row.code, "program": program.code})
    return row


@login_required
def rule_version_new(request, code):
    managed = PolicyRuleVersion.objects.managed_by(request.user).filter(code=code)
    if not managed.exists():
        raise Http404
    superseded = latest_version(code)
    if superseded is None:  # a new rule none of whose versions is approved yet: start from its newest one
        superseded = managed.select_related("program").order_by("-effective_from", "-pk").first()
    _require(request.user, superseded)
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None:
        data["code"] = code
    form = RuleVersionForm(data, initial=RuleVersionForm.initial_from(superseded), fixed_code=code,
                           rule_type=superseded.rule_type, superseded=superseded)
    if request.method == "POST" and (row := _save(request, form, superseded.program)):
        return redirect("subsidies:rule_detail", row.code)
    return render(request, "subsidies/rules_form.html", {
        "form": form, "latest": superseded, "program": superseded.program})


@login_required
def rule_new(request, program_code):
    program = get_object_or_404(request.user.managed_programs.all(), code=program_code)
    _require(request.user, program)
    rule_type = request.GET.get("rule_type", "fixed")
    choice_fact = request.GET.get("fact", "first_unit")
    if rule_type not in RULE_TYPES or (rule_type == "by_choice" and choice_fact not in BY_CHOICE_SKELETONS):
        raise Http404
    form = RuleVersionForm(request.POST or None, initial={
        "code": f"{program.code}-", "document": f"{program.document_number} {program.name}",
        "effective_from": program.effective_from, "effective_to": program.effective_to,
    }, rule_type=rule_type, choice_fact=choice_fact)
    if request.method == "POST" and (row := _save(request, form, program)):
        return redirect("subsidies:rule_detail", row.code)
    return render(request, "subsidies/rules_form.html", {
        "form": form, "latest": None, "program": program, "rule_type": rule_type, "choice_fact": choice_fact,
        "rule_types": [(name, RULE_TYPE_LABELS.get(name, name)) for name in RULE_TYPES],
        "choice_facts": [(name, fact_label(name)) for name in BY_CHOICE_SKELETONS]})


@login_required
@require_POST
def rule_version_decide(request, pk):
    row = get_object_or_404(PolicyRuleVersion.objects.managed_by(request.user), pk=pk)
    _require(request.user, row)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown decision; nothing was changed."))
        return redirect("subsidies:rule_detail", row.code)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    extra = {"last_day": form.cleaned_data["last_day"]} if action == "propose_retirement" else {}
    try:
        service.DECISIONS[action](row, request.user, reason=reason, request=request, **extra)
    except WorkflowError as error:
        messages.error(request, _("Nothing was changed: %(reason)s") % {"reason": error.message})
    else:
        messages.success(request, _("Version %(window)s of %(rule)s: %(status)s.") % {
            "window": row.window_label, "rule": row.code, "status": row.get_state_display()})
    return redirect("subsidies:rule_detail", row.code)


urlpatterns = [
    path("rules/", rule_list, name="rule_list"),
    path("rules/new/<str:program_code>/", rule_new, name="rule_new"),
    path("rules/<str:code>/", rule_detail, name="rule_detail"),
    path("rules/<str:code>/versions/new/", rule_version_new, name="rule_version_new"),
    path("rules/versions/<int:pk>/decide/", rule_version_decide, name="rule_version_decide"),
]
