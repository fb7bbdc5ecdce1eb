"""The one door for state changes.

    transition(obj, "recommend", user, comment="...", request=request, department="industry")

checks that the action exists, is allowed from the current state, that its conditions hold and
that the user may take it; then, in one transaction, claims the object's `version` (optimistic
lock: of two simultaneous clicks one wins and the other gets `StaleObject`), runs the django-fsm
transition, saves, writes the append-only `AuditEvent` and fires `state_changed`, whose receivers
queue notifications and tasks on commit.

Models taking part subclass `WorkflowModel`, declare an FSMField named `state`, and mark each
transition with `@transition(..., permission=..., conditions=[...], custom={"label": ...})`.
A condition that may fail for a reason the user should read is wrapped in `condition(message)`.
Scheduled jobs pass `user=None`; only transitions marked `custom={"system": True}` accept that.
"""
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMModelMixin

from portal.audit.services import record_event

state_changed = Signal()  # sender=model class; obj, action, from_state, to_state, actor, comment, data


class WorkflowError(Exception):
    """A refusal the user should read; `message` is translated."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class TransitionRefused(WorkflowError):
    pass


class StaleObject(WorkflowError):
    pass


class WorkflowModel(FSMModelMixin, models.Model):
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


def condition(message) -> Callable:
    """Decorate a transition condition with the message shown when it does not hold."""

    def wrap(func):
        func.refusal_message = message
        return func

    return wrap


def _transition_method(obj, action: str):
    method = getattr(obj, action, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise TransitionRefused(_("Unknown action."))
    return method


def available_actions(obj, user) -> list[tuple[str, str]]:
    """(action, label) pairs the user may take on obj now, for rendering buttons."""
    actions = []
    for trans in obj.get_available_state_transitions():
        if trans.has_perm(obj, user) and not trans.custom.get("system"):
            actions.append((trans.name, trans.custom.get("label", trans.name)))
    return actions


def check_transition(obj, action: str, user) -> None:
    """Raise TransitionRefused or PermissionDenied unless `user` may take `action` on obj now.

    `user=None` is the system (a scheduled job): it may take only transitions marked
    `custom={"system": True}`, and no one else's permission is needed for them."""
    method = _transition_method(obj, action)
    meta = method._django_fsm
    state = meta.field.get_state(obj)
    if not meta.has_transition(state):
        raise TransitionRefused(
            _("This cannot be done while the status is “%(state)s”.") % {"state": obj.get_state_display()}
        )
    trans = meta.get_transition(state)
    unmet = [cond for cond in trans.conditions if not cond(obj)]
    if unmet:
        reasons = "; ".join(str(getattr(cond, "refusal_message", _("a precondition is not met"))) for cond in unmet)
        raise TransitionRefused(reasons)
    if user is None:
        if not trans.custom.get("system"):
            raise PermissionDenied
    elif not meta.has_transition_perm(obj, state, user):
        raise PermissionDenied


def transition(obj, action: str, user, *, comment: str = "", request=None, data: dict | None = None, **kwargs):
    """Take `action` on obj as `user`; returns whatever the transition method returns."""
    check_transition(obj, action, user)
    method = _transition_method(obj, action)
    from_state = obj.state
    model = type(obj)
    with transaction.atomic():
        claimed = model._base_manager.filter(pk=obj.pk, version=obj.version, state=from_state).update(
            version=models.F("version") + 1
        )
        if not claimed:
            raise StaleObject(
                _("Someone else changed this item a moment ago. Reload the page to see its current status.")
            )
        obj.version += 1
        result = method(user=user, comment=comment, **kwargs)
        obj.save()
        label = method._django_fsm.get_transition(from_state).custom.get("label", action)
        event_data = dict(data or {})
        if isinstance(result, dict):
            event_data.update(result)
        record_event(
            obj, action=action, action_label=label, actor=user, from_state=from_state,
            to_state=obj.state, comment=comment, data=event_data, request=request,
        )
        state_changed.send(
            sender=model, obj=obj, action=action, from_state=from_state, to_state=obj.state,
            actor=user, comment=comment, data=event_data,
        )
    return result
