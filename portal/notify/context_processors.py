from .models import Notification


def unread_notifications(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "unread_notification_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    }
