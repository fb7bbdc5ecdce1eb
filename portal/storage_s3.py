"""Private files on an S3-compatible object store (settings: PRIVATE_STORAGE=s3; docs/operations.md
› Private files on an object store). Imported only when configured, so a local installation never
loads boto3."""
from botocore.config import Config
from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend, made private whatever else is configured: every object is written
    with the "private" canned ACL; a name in use is never overwritten (a new upload gets a new name,
    as on the local disk); signed, expiring addresses only. Timeouts keep a store that does not
    answer from holding a request or the health check for long."""

    def __init__(self, **options):
        options.setdefault("client_config", Config(connect_timeout=5, read_timeout=60,
                                                   retries={"max_attempts": 3, "mode": "standard"}))
        super().__init__(**options)
        self.default_acl = "private"
        self.file_overwrite = False
        self.querystring_auth = True
        self.querystring_expire = 300
