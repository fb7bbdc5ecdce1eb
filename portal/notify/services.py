"""In-app notifications and email, delivered by a Celery task queued once the transaction commits."""
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation

from .models import Notification


def notify(recipients: Iterable, message: str, url: str = "") -> None:
    """Queue a notification to each recipient; nothing is sent if the transaction rolls back.

    `message` may be a lazy translation: it is rendered in the portal's default language,
    the language officials and applicants read.
    """
    from .tasks import deliver_notification

    user_ids = sorted({user.pk for user in recipients if user is not None})
    if not user_ids:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)[:500]
    dedupe_key = uuid.uuid4().hex
    transaction.on_commit(lambda: deliver_notification.delay(user_ids, text, url, dedupe_key))


def deliver(user_ids: list[int], text: str, url: str, dedupe_key: str) -> int:
    """Create the notifications and send the emails; a retried delivery creates nothing twice."""
    from portal.accounts.models import User

    already = set(Notification.objects.filter(dedupe_key=dedupe_key).values_list("recipient_id", flat=True))
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).exclude(pk__in=already))
    Notification.objects.bulk_create(
        [Notification(recipient=user, message=text, url=url, dedupe_key=dedupe_key) for user in users]
    )
    link = f"\n\n{settings.PORTAL_BASE_URL}{url}" if url else ""
    emails = [(text[:78], f"{text}{link}", settings.DEFAULT_FROM_EMAIL, [user.email]) for user in users if user.email]
    if emails:
        send_mass_mail(emails, fail_silently=True)
    return len(users)


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
