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

    transition_many(entitlements, "add_to_batch", user, request=request, batch=batch)

is the same door for many objects of one model at once, in a constant number of queries (see its
docstring): use it wherever a use case changes the state of a list of rows.
"""
import copy
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMModelMixin

from portal.audit.services import audit_event, record_events

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


def acting_user(obj):
    """The user whose transition is being checked: django-fsm calls a condition with the instance
    only, so `check_transition` puts the user on it first."""
    return getattr(obj, "_acting_user", None)


def someone_other_than(person_id: Callable, message) -> Callable:
    """A four-eyes condition: it holds when the acting user is not the person `person_id(obj)` names
    (the builder of a batch, the recorder of a recovery, the proposer of a version…)."""

    def other(obj, user=None):
        acting, first = acting_user(obj), person_id(obj)
        return acting is not None and first is not None and acting.pk != first

    return condition(message)(other)


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
    obj._acting_user = user  # for four-eyes conditions (`someone_other_than`)
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
        event = _event(obj, method, action, from_state, result, user=user, comment=comment, data=data,
                       request=request)
        event.save()
        state_changed.send(
            sender=model, obj=obj, action=action, from_state=from_state, to_state=obj.state,
            actor=user, comment=comment, data=event.data,
        )
    return result


def _event(obj, method, action, from_state, result, *, user, comment, data, request):
    """The unsaved audit event of one object's transition: the method's returned dict joins `data`."""
    label = method._django_fsm.get_transition(from_state).custom.get("label", action)
    event_data = dict(data or {})
    if isinstance(result, dict):
        event_data.update(result)
    return audit_event(obj, action=action, action_label=label, actor=user, from_state=from_state,
                       to_state=obj.state, comment=comment, data=event_data, request=request)


# Rows per claim / write-back / audit statement in transition_many (Django splits the bulk
# statements further where a database limits their parameters, e.g. SQLite).
CHUNK = 500


def _stale_many():
    return StaleObject(_("Someone else changed some of these items a moment ago; nothing was changed. "
                         "Reload the page to see their current status."))


def _snapshot(obj, fields) -> dict:
    """Field values to compare after the transition method ran (mutable JSON values are copied;
    a file is compared by name and whether it still has to be stored)."""
    values = {}
    for field in fields:
        value = getattr(obj, field.attname)
        if isinstance(field, models.FileField):
            value = (value.name, getattr(value, "_committed", True))
        elif isinstance(value, (dict, list)):
            value = copy.deepcopy(value)
        values[field.attname] = value
    return values


def _claim(model, objects) -> None:
    """One UPDATE per CHUNK objects: version + 1 where pk, version and state are still those seen.
    Rows are grouped by (state, version), so the usual batch is `pk IN (...) AND state = … AND
    version = …`. Fewer rows claimed than asked → StaleObject (the caller's transaction rolls back)."""
    for start in range(0, len(objects), CHUNK):
        chunk = objects[start:start + CHUNK]
        groups = defaultdict(list)
        for obj in chunk:
            groups[(obj.state, obj.version)].append(obj.pk)
        match = Q()
        for (state, version), pks in groups.items():
            match |= Q(pk__in=pks, state=state, version=version)
        claimed = model._base_manager.filter(match).update(version=models.F("version") + 1)
        if claimed != len(chunk):
            raise _stale_many()


def transition_many(objects: Iterable, action: str, user, *, comment: str = "", request=None,
                    data: dict | None = None, fields: Iterable[str] | None = None, **kwargs) -> list:
    """Take `action` on every object (all of one model) as `user`, all or nothing; returns the
    transition methods' results in the order of `objects`.

    The guarantees of `transition`, in a constant number of queries whatever the count:
    1. every object is checked first (state, conditions, permission) and the first refusal raises
       `TransitionRefused` / `PermissionDenied` before anything is written. A role-based permission
       (the user's roles are cached on the user) costs no query; a condition or permission that
       queries (e.g. `batch.lines.filter(...)`, or a relation not loaded with select_related) costs
       its queries once per object — load what they read before calling;
    2. one UPDATE per 500 rows claims them (`version + 1` where pk, version and state are those
       seen); if fewer rows are claimed than asked, `StaleObject` is raised and nothing is kept;
    3. the transition methods run in Python, then one bulk UPDATE per 500 rows writes `state`,
       `version`, the `auto_now` fields and every field the methods changed (found by comparing the
       values before and after; pass `fields=` to name them instead). A changed FileField is stored
       as `save()` would;
    4. one INSERT per 500 rows writes the audit events (one per object, with its own from → to and
       the method's returned dict merged into `data`);
    5. `state_changed` is sent once per object, inside the transaction. Receivers must stay cheap
       (no queries per object): queue work with `transaction.on_commit`, deduplicated per
       transaction where one job can serve many objects (see subsidies/notices/receivers.py).

    Unlike `transition`, `Model.save()` is not called: a model whose save() does more than write its
    fields, or whose pre_save/post_save receivers matter, must use `transition` instead."""
    objects = list(objects)
    if not objects:
        return []
    model = type(objects[0])
    if any(type(obj) is not model for obj in objects):
        raise ValueError("transition_many takes objects of one model")
    if len({obj.pk for obj in objects}) != len(objects) or any(obj.pk is None for obj in objects):
        raise ValueError("transition_many takes saved objects, each once")
    for obj in objects:
        check_transition(obj, action, user)
    concrete = [field for field in model._meta.concrete_fields if not field.primary_key]
    named = {model._meta.get_field(name).attname for name in fields} if fields is not None else None
    auto_now = [field for field in concrete if getattr(field, "auto_now", False)]
    changed = {"state", "version"} | {field.attname for field in auto_now}
    from_states, results = [], []
    with transaction.atomic():
        _claim(model, objects)
        for obj in objects:
            obj.version += 1
            before = _snapshot(obj, concrete) if named is None else None
            from_states.append(obj.state)
            results.append(_transition_method(obj, action)(user=user, comment=comment, **kwargs))
            if named is None:
                after = _snapshot(obj, concrete)
                changed.update(name for name, value in after.items() if before[name] != value)
        if named is not None:
            changed |= named
        written = [field for field in concrete if field.attname in changed]
        for obj in objects:
            for field in written:
                if field in auto_now or isinstance(field, models.FileField):
                    setattr(obj, field.attname, field.pre_save(obj, add=False))
        model._base_manager.bulk_update(objects, [field.name for field in written], batch_size=CHUNK)
        events = [
            _event(obj, _transition_method(obj, action), action, from_state, result, user=user, comment=comment,
                   data=data, request=request)
            for obj, from_state, result in zip(objects, from_states, results)
        ]
        record_events(events, batch_size=CHUNK)
        for obj, from_state, event in zip(objects, from_states, events):
            state_changed.send(
                sender=model, obj=obj, action=action, from_state=from_state, to_state=obj.state,
                actor=user, comment=comment, data=event.data,
            )
    return results
