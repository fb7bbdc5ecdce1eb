import secrets

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import record_event
from portal.notify.services import notify

from .models import ROLE_APPLICANT, Invitation, Organization, User


@transaction.atomic
def register_applicant(form) -> User:
    """Create the organisation and its first applicant account from a validated registration form."""
    data = form.cleaned_data
    organization = Organization.objects.create(
        name=data["organization_name"], uscc=data["uscc"], kind=data["organization_kind"], region=data["region"],
    )
    user = form.save(commit=False)
    user.organization = organization
    user.save()
    user.groups.add(Group.objects.get(name=ROLE_APPLICANT))
    record_event(organization, action="register", action_label=_("Organisation registered"), actor=user)
    return user


@transaction.atomic
def invite_colleague(inviter: User, email: str) -> Invitation:
    if not inviter.has_role(ROLE_APPLICANT) or not inviter.organization_id:
        raise PermissionDenied
    invitation = Invitation.objects.create(
        organization=inviter.organization, email=email, token=secrets.token_urlsafe(32), invited_by=inviter,
    )
    record_event(inviter.organization, action="invite", action_label=_("Colleague invited"), actor=inviter, comment=email)
    _send_invitation(invitation)
    return invitation


def _send_invitation(invitation: Invitation) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    link = settings.PORTAL_BASE_URL + reverse("accept_invitation", args=[invitation.token])
    subject = _("Invitation to the institute program portal")
    body = _("%(inviter)s invites you to file for %(organization)s on the portal: %(link)s") % {
        "inviter": invitation.invited_by, "organization": invitation.organization.name, "link": link,
    }
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email], fail_silently=True))


@transaction.atomic
def accept_invitation(invitation: Invitation, form) -> User:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_open(timezone.now()):
        raise PermissionDenied
    user = form.save(commit=False)
    user.organization = locked.organization
    user.save()
    user.groups.add(Group.objects.get(name=ROLE_APPLICANT))
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    record_event(locked.organization, action="join", action_label=_("Colleague joined"), actor=user)
    notify([locked.invited_by], _("%(user)s accepted your invitation.") % {"user": user})
    return user
