"""Reactions to application state changes: tell the people concerned, after commit."""
from django.conf import settings
from django.dispatch import receiver
from django.utils import translation
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.notify.services import notify
from portal.workflow import state_changed

from .models import Application


@receiver(state_changed, sender=Application)
def tell_applicant_and_reviewers(sender, obj, action, from_state, to_state, actor, comment, **kwargs):
    if from_state == to_state:
        return
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Application %(ref)s: %(state)s") % {"ref": obj.reference, "state": obj.get_state_display()}
    if comment:
        message = f"{message} — {comment}"
    url = reverse("institutes:application_detail", args=[obj.pk])
    members = User.objects.filter(organization_id=obj.organization_id, is_active=True)
    if actor is not None:
        members = members.exclude(pk=actor.pk)
    notify(members, message, url)
    if to_state == Application.State.SUBMITTED:
        notify(_district_reviewers(obj), message, url)


def _district_reviewers(application):
    region = application.organization.region
    ancestors = [prefix for prefix in _path_prefixes(region.path)]
    return User.objects.filter(
        groups__name="district", is_active=True, department__in=application.program.recommending_departments,
        regions__path__in=ancestors,
    ).distinct()


def _path_prefixes(path: str):
    parts = path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
