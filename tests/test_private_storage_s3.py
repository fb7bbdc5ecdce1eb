"""Private files on an S3-compatible object store (issue 10: "Put private files on an S3-compatible
object store … by setting environment variables (django-storages), so several web and worker
machines share them"), against moto's server on loopback: an upload through the real upload view
lands in the bucket with a private ACL and nothing on the local disk, and comes back only through
the permission-checked download; a PDF notice is rendered into the bucket and downloaded; /healthz
probes the bucket and leaves nothing behind, and names it when the bucket is gone."""
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from institutes.models import Attachment
from tests.factories import PDF_BYTES, ApplicationFactory, applicant
from tests.factories_subsidies_notices import pending_notice, rendered
from tests import s3
from tests.s3 import S3_TEST, keys, read, s3_bucket  # noqa: F401 (s3_bucket: the fixture)

pytestmark = [*S3_TEST, pytest.mark.django_db]
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def local_files(settings) -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_upload_lands_in_the_bucket_privately_and_downloads_only_through_the_checked_view(
        as_user, s3_bucket, settings):
    owner = applicant()
    draft = ApplicationFactory(organization=owner.organization, created_by=owner)
    response = as_user(owner).post(
        reverse("institutes:attachment_upload", args=[draft.pk]),
        {"kind": "business_license", "file": SimpleUploadedFile("营业执照.pdf", PDF_BYTES, content_type="application/pdf")},
        follow=True)
    assert response.status_code == 200
    attachment = Attachment.objects.get(application=draft)

    assert keys(s3_bucket) == [attachment.file.name]
    assert read(s3_bucket, attachment.file.name) == PDF_BYTES
    grants = s3.client().get_object_acl(Bucket=s3_bucket, Key=attachment.file.name)["Grants"]
    assert grants and all(grant["Grantee"].get("URI") != ALL_USERS for grant in grants)
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's, nobody else's
    assert local_files(settings) == []

    url = reverse("institutes:attachment_download", args=[draft.pk, attachment.pk])
    download = as_user(owner).get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Disposition"].startswith("attachment")
    assert as_user(applicant()).get(url).status_code == 404


def test_a_pdf_notice_is_rendered_into_the_bucket_and_downloaded(as_user, s3_bucket, settings):
    owner = applicant()
    notice = rendered(pending_notice(owner.organization))
    assert keys(s3_bucket) == [notice.file.name]
    stored = read(s3_bucket, notice.file.name)
    assert stored.startswith(b"%PDF") and len(stored) == notice.size

    response = as_user(owner).get(reverse("subsidies:notice_download", args=[notice.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == stored
    assert local_files(settings) == []


def test_healthz_probes_the_bucket_and_leaves_nothing_behind(client, s3_bucket):
    response = client.get(reverse("healthz"))
    assert response.json()["checks"]["private_storage"] == "ok"
    assert keys(s3_bucket) == []


def test_healthz_names_a_bucket_that_is_gone(client, s3_bucket):
    s3.drop_bucket(s3_bucket)
    response = client.get(reverse("healthz"))
    s3.client().create_bucket(Bucket=s3_bucket)  # for the fixture to drop
    assert response.status_code == 503
    assert response.json()["checks"]["private_storage"] == "unavailable"
