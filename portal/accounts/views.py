from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .forms import ApplicantRegistrationForm, InvitationAcceptForm, InviteColleagueForm
from .models import Invitation

BACKEND = "django.contrib.auth.backends.ModelBackend"


def register(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = ApplicantRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.register_applicant(form)
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome. Your organisation is registered; you can start an application."))
        return redirect("dashboard")
    return render(request, "registration/register.html", {"form": form})


def accept_invitation(request, token):
    if request.user.is_authenticated:
        messages.info(request, _("You are logged in already; log out to accept an invitation for a new account."))
        return redirect("dashboard")
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), token=token)
    if not invitation.is_open(timezone.now()):
        raise Http404
    form = InvitationAcceptForm(request.POST or None, invited_email=invitation.email)
    if request.method == "POST" and form.is_valid():
        user = services.accept_invitation(invitation, form)
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome to %(organization)s.") % {"organization": invitation.organization.name})
        return redirect("dashboard")
    return render(request, "registration/accept_invitation.html", {"form": form, "invitation": invitation})


@login_required
def organization_profile(request):
    if not request.user.has_role("applicant") or not request.user.organization_id:
        raise PermissionDenied
    form = InviteColleagueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.invite_colleague(request.user, form.cleaned_data["email"])
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
        return redirect("organization_profile")
    organization = request.user.organization
    return render(request, "accounts/organization.html", {
        "organization": organization,
        "members": organization.members.order_by("username"),
        "invitations": organization.invitations.filter(accepted_at__isnull=True).order_by("-created_at")[:20],
        "form": form,
    })
