from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage():
    """Attachments live under PRIVATE_MEDIA_ROOT, outside any web root, and have no public URL."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
