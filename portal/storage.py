"""The private files (attachments, evidence, PDF notices, payout exports): settings.STORAGES["private"].

By default a local directory (PRIVATE_MEDIA_ROOT, outside any web root); with PRIVATE_STORAGE=s3 an
S3-compatible object store (MinIO, Ceph, a cloud OSS) that every web and worker machine shares
(portal.storage_s3). Either way a private file has no public address: it is read through the
storage API and streamed by a view that has checked the user's permission.

The models' FileFields hold a `PrivateStorage`, which hands every call to the backend the settings
name at that moment, so a file field, the backups (portal.ops.backups) and /healthz always use the
same storage, and a test that changes STORAGES or PRIVATE_MEDIA_ROOT moves all of them."""
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages

ALIAS = "private"


class LocalPrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, which is read at each use (it follows the settings in force)."""

    def __init__(self, **options):
        super().__init__(base_url=None, **options)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)


def backend() -> Storage:
    """The configured private storage backend (settings.STORAGES["private"])."""
    return storages[ALIAS]


class PrivateStorage(Storage):
    """The storage of every private FileField: each operation goes to `backend()`."""

    def open(self, name, mode="rb"):
        return backend().open(name, mode)

    def save(self, name, content, max_length=None):
        return backend().save(name, content, max_length=max_length)

    def generate_filename(self, filename):
        return backend().generate_filename(filename)

    def get_valid_name(self, name):
        return backend().get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return backend().get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return backend().get_available_name(name, max_length=max_length)

    def path(self, name):
        """Only a local backend has paths; code that must work with the object store never asks."""
        return backend().path(name)

    def delete(self, name):
        return backend().delete(name)

    def exists(self, name):
        return backend().exists(name)

    def listdir(self, path):
        return backend().listdir(path)

    def size(self, name):
        return backend().size(name)

    def url(self, name):
        return backend().url(name)

    def get_accessed_time(self, name):
        return backend().get_accessed_time(name)

    def get_created_time(self, name):
        return backend().get_created_time(name)

    def get_modified_time(self, name):
        return backend().get_modified_time(name)


def private_storage() -> PrivateStorage:
    """The callable the FileFields (and their migrations, through institutes.storage) name."""
    return PrivateStorage()
