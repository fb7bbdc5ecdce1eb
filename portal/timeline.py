"""The audit trail of one object, shown to users as a timeline with labels in their language."""
from dataclasses import dataclass

from portal.audit.models import AuditEvent


@dataclass
class TimelineEntry:
    event: AuditEvent
    label: str
    from_label: str
    to_label: str


def timeline_for(obj) -> list[TimelineEntry]:
    model = type(obj)
    labels = {t.name: t.custom.get("label", t.name) for t in model._meta.get_field("state").get_all_transitions(model)}
    states = dict(model._meta.get_field("state").choices)
    return [
        TimelineEntry(
            event=event,
            label=labels.get(event.action, event.action_label),
            from_label=states.get(event.from_state, ""),
            to_label=states.get(event.to_state, ""),
        )
        for event in AuditEvent.objects.for_object(obj)
    ]
