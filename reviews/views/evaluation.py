"""Annual evaluation pages: the managers' list and opening form, the grading page with its entries,
drawing a panel per field, HN23 agreement targets, starting scoring, proposing, settling ties,
changing a grade, confirming and publishing; and the lead unit's own published grades.

Every page starts from a queryset scoped to the user (404 for what they may not see) and checks a
`rules` permission (403 for what they may not do)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from institutes.models import Grade, Program
from portal.timeline import timeline_for
from portal.workflow import WorkflowError, available_actions

from ..forms.evaluation import (
    AgreementForm, ChangeGradeForm, DrawEvaluationPanelForm, OpenEvaluationForm, SettleTiesForm,
)
from ..models import AnnualEvaluation, EvaluationEntry
from ..selectors import evaluation as selectors
from ..services import evaluation as services

ACTION_URLS = {
    "start_scoring": "reviews:evaluation_start_scoring", "propose": "reviews:evaluation_propose",
    "confirm": "reviews:evaluation_confirm", "publish": "reviews:evaluation_publish",
}


def _evaluation(request, pk, permission="reviews.view_evaluation") -> AnnualEvaluation:
    try:
        evaluation = selectors.evaluation_for_user(request.user, pk)
    except AnnualEvaluation.DoesNotExist:
        raise Http404
    if not request.user.has_perm(permission, evaluation):
        raise PermissionDenied
    return evaluation


def _entry(evaluation, entry_pk) -> EvaluationEntry:
    try:
        return selectors.entry_for_update(evaluation, entry_pk)
    except EvaluationEntry.DoesNotExist:
        raise Http404


def _do(request, action, success) -> bool:
    try:
        action()
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return False
    messages.success(request, success)
    return True


def _form_errors(request, form):
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))


@login_required
def evaluation_list(request):
    if not request.user.has_perm("reviews.view_evaluations"):
        raise PermissionDenied
    programs = request.user.managed_programs.order_by("code")
    return render(request, "reviews/evaluation/list.html", {
        "evaluations": selectors.evaluation_list(request.user),
        "form": OpenEvaluationForm(programs=programs) if request.user.has_role("program_manager") else None,
    })


@login_required
@require_POST
def evaluation_open(request):
    if not request.user.has_perm("reviews.view_evaluations"):
        raise PermissionDenied
    form = OpenEvaluationForm(request.POST, programs=Program.objects.all())
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("reviews:evaluation_list")
    program, year = form.cleaned_data["program"], form.cleaned_data["year"]
    if not request.user.has_perm("reviews.open_evaluation", program):
        raise PermissionDenied
    try:
        evaluation = services.open_evaluation(program, year, request.user, request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
        return redirect("reviews:evaluation_list")
    messages.success(request, _("The evaluation is open with the institutes due."))
    return redirect("reviews:evaluation_detail", pk=evaluation.pk)


@login_required
def evaluation_detail(request, pk):
    evaluation = _evaluation(request, pk)
    grading = selectors.grading_page(evaluation, request.GET.get("page"))
    manages = request.user.has_perm("reviews.manage_evaluation", evaluation)
    is_open = evaluation.state == AnnualEvaluation.State.OPEN
    proposed = evaluation.state == AnnualEvaluation.State.PROPOSED
    return render(request, "reviews/evaluation/detail.html", {
        "evaluation": evaluation, "grading": grading, "manages": manages,
        "page": grading.page,
        "actions": [(name, label, reverse(ACTION_URLS[name], args=[evaluation.pk]))
                    for name, label in available_actions(evaluation, request.user)] if manages else [],
        "draw_form": DrawEvaluationPanelForm(fields=[f for f, _n in grading.undrawn_fields])
        if manages and is_open and grading.undrawn_fields else None,
        "ties_form": SettleTiesForm(tied=grading.unsettled_ties) if manages and proposed and grading.unsettled_ties
        else None,
        "grade_choices": [(g, label) for g, label, _n in grading.distribution] if manages and proposed else None,
        "agreement_editable": manages and evaluation.grading.get("agreement")
        and evaluation.state in (AnnualEvaluation.State.OPEN, AnnualEvaluation.State.SCORING),
        "measure_labels": selectors.MEASURE_LABELS, "grade_labels": dict(Grade.choices),
        "timeline": timeline_for(evaluation) if manages else None,
    })


def _managed_step(request, pk, action, success, form=None, entry_pk=None):
    """A manager's POST on the evaluation (and one of its entries: another evaluation's is a 404):
    validate `form` (if any), run `action(evaluation, cleaned_data)` — with the entry as
    `cleaned_data["entry"]` —, show the refusal or `success`, back to the grading page."""
    evaluation = _evaluation(request, pk, "reviews.manage_evaluation")
    entry = _entry(evaluation, entry_pk) if entry_pk is not None else None
    form = form(evaluation) if form else None
    if form is not None and not form.is_valid():
        _form_errors(request, form)
    else:
        data = {**(form.cleaned_data if form is not None else {}), "entry": entry}
        _do(request, lambda: action(evaluation, data), success)
    return redirect("reviews:evaluation_detail", pk=pk)


@login_required
@require_POST
def evaluation_draw_panel(request, pk):
    return _managed_step(
        request, pk,
        lambda ev, data: services.draw_evaluation_panel(
            ev, request.user, industry_field=data["industry_field"], size=data["size"], name=data["name"],
            request=request),
        _("The panel was drawn and the experts invited."),
        form=lambda ev: DrawEvaluationPanelForm(request.POST, fields=[f for f, _n in selectors.undrawn_fields(ev)]),
    )


@login_required
@require_POST
def entry_agreement(request, pk, entry_pk):
    return _managed_step(
        request, pk,
        lambda ev, data: services.record_agreement(data["entry"], request.user, data["targets"], request=request),
        _("The agreement targets were recorded."), form=lambda ev: AgreementForm(request.POST), entry_pk=entry_pk,
    )


@login_required
@require_POST
def evaluation_start_scoring(request, pk):
    return _managed_step(request, pk, lambda ev, data: services.start_scoring(ev, request.user, request=request),
                         _("Scoring has started; open scoring on each panel once it is complete."))


@login_required
@require_POST
def evaluation_propose(request, pk):
    return _managed_step(request, pk, lambda ev, data: services.propose_grades(ev, request.user, request=request),
                         _("The grades are proposed from the panels' averages."))


@login_required
@require_POST
def evaluation_settle_ties(request, pk):
    return _managed_step(
        request, pk,
        lambda ev, data: services.settle_ties(ev, request.user, data["excellent"], data["reason"], request=request),
        _("The tie is settled."),
        form=lambda ev: SettleTiesForm(request.POST, tied=list(ev.entries.filter(is_tie=True)
                                                               .select_related("institute"))),
    )


@login_required
@require_POST
def entry_change_grade(request, pk, entry_pk):
    return _managed_step(
        request, pk,
        lambda ev, data: services.change_grade(data["entry"], request.user, data["grade"], data["reason"],
                                               request=request),
        _("The grade was changed."), form=lambda ev: ChangeGradeForm(request.POST, grades=ev.grades),
        entry_pk=entry_pk,
    )


@login_required
@require_POST
def evaluation_confirm(request, pk):
    return _managed_step(request, pk, lambda ev, data: services.confirm_grades(ev, request.user, request=request),
                         _("The grades are confirmed."))


@login_required
@require_POST
def evaluation_publish(request, pk):
    return _managed_step(request, pk, lambda ev, data: services.publish_grades(ev, request.user, request=request),
                         _("The grades are published; each institute can see its own."))


@login_required
def my_grades(request):
    if not request.user.has_perm("reviews.view_my_grades"):
        raise PermissionDenied
    return render(request, "reviews/evaluation/my_grades.html", {"grades": selectors.my_grades(request.user)})


urlpatterns = [
    path("evaluations/", evaluation_list, name="evaluation_list"),
    path("evaluations/open/", evaluation_open, name="evaluation_open"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/draw/", evaluation_draw_panel, name="evaluation_draw_panel"),
    path("evaluations/<int:pk>/entries/<int:entry_pk>/agreement/", entry_agreement, name="entry_agreement"),
    path("evaluations/<int:pk>/start-scoring/", evaluation_start_scoring, name="evaluation_start_scoring"),
    path("evaluations/<int:pk>/propose/", evaluation_propose, name="evaluation_propose"),
    path("evaluations/<int:pk>/ties/", evaluation_settle_ties, name="evaluation_settle_ties"),
    path("evaluations/<int:pk>/entries/<int:entry_pk>/grade/", entry_change_grade, name="entry_change_grade"),
    path("evaluations/<int:pk>/confirm/", evaluation_confirm, name="evaluation_confirm"),
    path("evaluations/<int:pk>/publish/", evaluation_publish, name="evaluation_publish"),
    path("my-grades/", my_grades, name="my_grades"),
]
