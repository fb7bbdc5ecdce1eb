"""The registry of recognised institutes and cultivation units, the institute page, the XX22
registration of provincially recognised institutes and revocation (ZZ23 第十四条)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.timeline import timeline_for
from portal.workflow import WorkflowError

from . import consequences, selectors_annual as selectors, services_annual as services
from .forms_annual import (
    ConfirmRevocationForm, DismissRevocationForm, LegalEntityForm, ManualRevocationForm, ProvincialRegistrationForm,
    RegistryFilterForm,
)
from .models import Grade, IndustryField, Institute, Program, Revocation
from .uploads import private_file_response

PAGE_SIZE = 50


def _institute(request, pk, permission="institutes.view_institute") -> Institute:
    try:
        institute = selectors.institute_for_detail(request.user, pk)
    except Institute.DoesNotExist:
        raise Http404
    if not request.user.has_perm(permission, institute):
        raise PermissionDenied
    return institute


def _registry_programs(user):
    if user.has_role("program_manager") and not (user.has_role("finance") or user.has_role("district")):
        return list(user.managed_programs.order_by("code"))
    return list(Program.objects.order_by("code"))


@login_required
def registry(request):
    if not request.user.has_perm("institutes.view_registry"):
        raise PermissionDenied
    filters = RegistryFilterForm(
        request.GET or None, programs=_registry_programs(request.user), fields=IndustryField.objects.all(),
        regions=selectors.region_choices(),
    )
    criteria = {k: v for k, v in filters.cleaned_data.items() if v} if filters.is_valid() else {}
    ids = selectors.registry(request.user, **criteria)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.registry_page_rows(request.user, list(page.object_list))
    return render(request, "institutes/registry.html", {
        "page": page, "filters": filters,
        "state_labels": dict(Institute.State.choices), "grade_labels": dict(Grade.choices),
        "may_register": request.user.has_perm("institutes.register_institute"),
    })


@login_required
def institute_detail(request, pk):
    institute = _institute(request, pk)
    user = request.user
    manages = user.has_perm("institutes.manage_institute", institute)
    revocation = selectors.institute_revocation(institute)
    open_proposal = revocation if revocation and revocation.state == Revocation.State.PROPOSED else None
    return render(request, "institutes/registry_detail.html", {
        "institute": institute,
        "timeline": timeline_for(institute),
        "reports": selectors.institute_reports(user, institute),
        "grades": selectors.institute_grades(user, institute),
        "revocation": revocation,
        "manages": manages,
        "may_file": user.has_perm("institutes.file_annual_report", institute),
        "reportable_years": services.reportable_years(institute),
        "confirm_form": ConfirmRevocationForm() if manages and open_proposal else None,
        "dismiss_form": DismissRevocationForm() if manages and open_proposal else None,
        "may_see_evidence": bool(revocation and revocation.evidence) and _may_see_evidence(user, institute),
        "may_revoke": manages and institute.state in Institute.OPERATING_STATES,
        "legal_entity_form": LegalEntityForm(initial={"uscc": getattr(institute.legal_entity, "uscc", "")})
        if manages and institute.state in Institute.OPERATING_STATES else None,
    })


@login_required
@require_POST
def institute_legal_entity(request, pk):
    """The program manager records whether the institute is a legal person of its own (ZZ23 五（一）)."""
    institute = _institute(request, pk, "institutes.manage_institute")
    form = LegalEntityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect("institutes:institute_detail", pk=pk)
    try:
        institute = services.record_legal_entity(
            institute, request.user, uscc=form.cleaned_data["uscc"], name=form.cleaned_data["name"], request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        if institute.legal_entity:
            messages.success(request, _("Recorded: the yearly subsidy now pays %(unit)s itself.") % {
                "unit": institute.legal_entity.name})
        else:
            messages.success(request, _("Recorded: the institute is paid through its lead unit."))
    return redirect("institutes:institute_detail", pk=pk)


@login_required
def institute_register(request):
    """XX22: the program manager registers an institute recognised by the province."""
    if not request.user.has_perm("institutes.register_institute"):
        raise PermissionDenied
    programs = services.registration_programs(request.user)
    form = ProvincialRegistrationForm(request.POST or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            institute = services.register_provincial_institute(
                request.user, program=data["program"], name=data["name"], uscc=data["uscc"],
                unit_name=data["unit_name"], region=data["region"], industry_field=data["industry_field"],
                document_number=data["document_number"], recognized_on=data["recognized_on"], request=request,
            )
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        except WorkflowError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("The institute is registered."))
            return redirect("institutes:institute_detail", pk=institute.pk)
    return render(request, "institutes/registry_register.html", {"form": form})


@login_required
def institute_revoke(request, pk):
    """Manual revocation on the other grounds of article 14, with reason and evidence."""
    institute = _institute(request, pk, "institutes.manage_institute")
    form = ManualRevocationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consequences.revoke_manually(
                institute, request.user, grounds=data["grounds"], reason=data["reason"],
                document_reference=data["document_reference"], evidence=data["evidence"],
                funds_obtained_by_fraud=data["funds_obtained_by_fraud"], decided_on=data["decided_on"],
                request=request,
            )
        except ValidationError as error:
            form.add_error("evidence", " ".join(error.messages))
        except WorkflowError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("The institute is revoked."))
            return redirect("institutes:institute_detail", pk=pk)
    return render(request, "institutes/registry_revoke.html", {"institute": institute, "form": form})


def _proposal(request, pk):
    institute = _institute(request, pk, "institutes.manage_institute")
    revocation = selectors.institute_revocation(institute)
    if revocation is None or revocation.state != Revocation.State.PROPOSED:
        raise Http404
    revocation.institute = institute
    return revocation


@login_required
@require_POST
def revocation_confirm(request, pk):
    revocation = _proposal(request, pk)
    form = ConfirmRevocationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect("institutes:institute_detail", pk=pk)
    try:
        consequences.confirm_revocation(
            revocation, request.user, document_reference=form.cleaned_data["document_reference"],
            decided_on=form.cleaned_data["decided_on"], comment=form.cleaned_data["comment"], request=request,
        )
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The revocation is confirmed; the institute is revoked."))
    return redirect("institutes:institute_detail", pk=pk)


@login_required
@require_POST
def revocation_dismiss(request, pk):
    revocation = _proposal(request, pk)
    form = DismissRevocationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return redirect("institutes:institute_detail", pk=pk)
    try:
        consequences.dismiss_revocation(revocation, request.user, comment=form.cleaned_data["comment"], request=request)
    except WorkflowError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The proposal is dismissed."))
    return redirect("institutes:institute_detail", pk=pk)


def _may_see_evidence(user, institute) -> bool:
    """Staff who see the institute; not the unit itself."""
    return not user.has_role("applicant") or user.has_perm("institutes.manage_institute", institute)


@login_required
def revocation_evidence(request, pk):
    institute = _institute(request, pk)
    if not _may_see_evidence(request.user, institute):
        raise PermissionDenied
    revocation = selectors.institute_revocation(institute)
    if revocation is None or not revocation.evidence:
        raise Http404
    return private_file_response(revocation.evidence, revocation.evidence_name, revocation.evidence_content_type)


urlpatterns = [
    path("registry/", registry, name="registry"),
    path("registry/register/", institute_register, name="institute_register"),
    path("registry/<int:pk>/", institute_detail, name="institute_detail"),
    path("registry/<int:pk>/revoke/", institute_revoke, name="institute_revoke"),
    path("registry/<int:pk>/legal-entity/", institute_legal_entity, name="institute_legal_entity"),
    path("registry/<int:pk>/revocation/confirm/", revocation_confirm, name="revocation_confirm"),
    path("registry/<int:pk>/revocation/dismiss/", revocation_dismiss, name="revocation_dismiss"),
    path("registry/<int:pk>/revocation/evidence/", revocation_evidence, name="revocation_evidence"),
]
