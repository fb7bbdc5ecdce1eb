"""In-app notifications and email, delivered by a Celery task queued once the transaction commits."""
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mass_mail
from django.utils import timezone, translation

from portal.outbox.services import enqueue

from .models import Notification


def notify(recipients: Iterable, message: str, url: str = "", *, dedupe_key: str = "") -> None:
    """Queue a notification to each recipient; nothing is sent if the transaction rolls back.

    `message` may be a lazy translation: it is rendered in the portal's default language,
    the language officials and applicants read. A scheduled job that may run twice passes a
    `dedupe_key` fixed by the notice's meaning, so it is delivered once.
    """
    notify_each([(recipients, message, url, dedupe_key)])


def notify_each(messages: Iterable[tuple]) -> None:
    """Queue many notifications — each `(recipients, message, url[, dedupe_key])` — as one job, so
    a bulk operation telling hundreds of units costs one task, not one per unit."""
    from .tasks import deliver_notifications

    batch = []
    with translation.override(settings.LANGUAGE_CODE):
        for recipients, message, url, *key in messages:
            user_ids = sorted({user.pk for user in recipients if user is not None})
            if user_ids:
                batch.append((user_ids, str(message)[:500], url, (key[0] if key else "") or uuid.uuid4().hex))
    if batch:
        enqueue(deliver_notifications, batch)


def deliver_many(batch: list) -> int:
    """Create the notifications of a batch of `(user_ids, text, url, dedupe_key)` and send their
    emails, in a constant number of queries; a retried delivery creates nothing twice."""
    from portal.accounts.models import User

    already = set(
        Notification.objects.filter(dedupe_key__in=[key for *_rest, key in batch]).values_list("dedupe_key", "recipient_id")
    )
    users = User.objects.filter(pk__in={pk for user_ids, *_rest in batch for pk in user_ids}, is_active=True).in_bulk()
    notifications, emails = [], []
    for user_ids, text, url, dedupe_key in batch:
        link = f"\n\n{settings.PORTAL_BASE_URL}{url}" if url else ""
        for user in (users[pk] for pk in user_ids if pk in users and (dedupe_key, pk) not in already):
            notifications.append(Notification(recipient=user, message=text, url=url, dedupe_key=dedupe_key))
            if user.email:
                emails.append((text[:78], f"{text}{link}", settings.DEFAULT_FROM_EMAIL, [user.email]))
    Notification.objects.bulk_create(notifications)
    forget_unread_counts({notification.recipient_id for notification in notifications})
    if emails:
        send_mass_mail(emails, fail_silently=True)
    return len(notifications)


def mark_all_read(user) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    forget_unread_counts([user.pk])
    return marked


# The navigation shows the unread count on every page: cached briefly, forgotten when it changes.
UNREAD_SECONDS = 60


def _unread_key(user_id) -> str:
    return f"notify:unread:{user_id}"


def unread_count(user) -> int:
    count = cache.get(_unread_key(user.pk))
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(_unread_key(user.pk), count, UNREAD_SECONDS)
    return count


def forget_unread_counts(user_ids) -> None:
    if user_ids:
        cache.delete_many([_unread_key(pk) for pk in user_ids])
