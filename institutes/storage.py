from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Attachments live under PRIVATE_MEDIA_ROOT, outside any web root, and have no public URL.
    The location is read from the settings at each use, so it follows the settings in force."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    def deconstruct(self):
        return ("institutes.storage.PrivateStorage", (), {})


def private_storage():
    return PrivateStorage()
