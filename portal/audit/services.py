from django.contrib.contenttypes.models import ContentType

from .models import AuditEvent


def client_address(request) -> tuple[str | None, str]:
    if request is None:
        return None, ""
    return request.META.get("REMOTE_ADDR"), request.META.get("HTTP_USER_AGENT", "")[:255]


def audit_event(
    obj, *, action: str, action_label: str, actor=None, from_state: str = "", to_state: str = "",
    comment: str = "", data: dict | None = None, request=None,
) -> AuditEvent:
    """An unsaved AuditEvent about obj: `record_event` saves one, `record_events` many at once."""
    ip_address, user_agent = client_address(request)
    return AuditEvent(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:255],
        action=action,
        action_label=str(action_label)[:128],
        from_state=from_state or "",
        to_state=to_state or "",
        actor=actor if actor is not None and actor.is_authenticated else None,
        comment=comment,
        data=data or {},
        ip_address=ip_address,
        user_agent=user_agent,
    )


def record_event(
    obj, *, action: str, action_label: str, actor=None, from_state: str = "", to_state: str = "",
    comment: str = "", data: dict | None = None, request=None,
) -> AuditEvent:
    event = audit_event(obj, action=action, action_label=action_label, actor=actor, from_state=from_state,
                        to_state=to_state, comment=comment, data=data, request=request)
    event.save()
    return event


def record_events(events: list[AuditEvent], *, batch_size: int = 500) -> list[AuditEvent]:
    """Write many events built with `audit_event` in one INSERT per `batch_size` events."""
    return AuditEvent.objects.bulk_create(events, batch_size=batch_size)
