"""Backup → restore round trip on PostgreSQL (issue 10, "Backup round trip in CI: backup → restore into
a new database and storage → the same row counts, the same file hashes, and the restored portal serves
a logged-in page"), on the local directory and on the object store (tests marked s3), and the
refusals that keep a restore from overwriting or trusting a damaged backup."""
import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from portal.ops.backups import BackupError, read_manifest, storage_names
from tests.factories import applicant
from tests import s3
from tests.factories_subsidies_claims import claim
from tests.s3 import s3_bucket  # noqa: F401 (the fixture)

ROOT = Path(settings.BASE_DIR)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are of PostgreSQL")
pytestmark = postgresql_only
on_committed_data = pytest.mark.django_db(transaction=True)  # pg_dump sees only committed rows


def file_hashes(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def new_database():
    name = f"restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def portal_env(database: str, media: Path) -> dict:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{database}"
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "DATABASE_URL": url, "PRIVATE_MEDIA_ROOT": str(media), "PYTHONPATH": path}


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


LOGGED_IN_PAGE = """
import django; django.setup()
from django.test import Client
from portal.accounts.models import User
client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(username=%r), backend="django.contrib.auth.backends.ModelBackend")
from django.urls import reverse
from subsidies.models import Claim
claim = Claim.objects.get()
response = client.get(reverse("subsidies:claim_detail", args=[claim.pk]))
print(response.status_code, claim.subject in response.content.decode())
"""


@on_committed_data
def test_backup_and_restore_round_trip(tmp_path, new_database):
    user = applicant()
    claim(user)  # a claim with its evidence file: rows and a private file
    before_counts, before_files = row_counts(), file_hashes(Path(settings.PRIVATE_MEDIA_ROOT))
    assert before_files, "the claim's evidence file is in the private storage"

    call_command("backup_portal", str(tmp_path / "backup"))
    manifest = read_manifest(tmp_path / "backup")
    assert manifest["tables"] == before_counts
    assert {entry["name"]: entry["sha256"] for entry in manifest["files"]} == before_files

    restored_media = tmp_path / "restored-media"
    env = portal_env(new_database, restored_media)
    result = manage(env, "restore_portal", str(tmp_path / "backup"))
    assert result.returncode == 0, result.stderr
    assert "row counts and file hashes match" in result.stdout
    assert file_hashes(restored_media) == before_files

    page = subprocess.run([sys.executable, "-c", LOGGED_IN_PAGE % user.username], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert page.returncode == 0, page.stderr
    assert page.stdout.split() == ["200", "True"]  # the claim, read from the restored database

    again = manage(env, "restore_portal", str(tmp_path / "backup"))
    assert again.returncode != 0 and "not empty" in again.stderr  # never over a live database


@pytest.mark.s3
@s3.needs_s3_server
@on_committed_data
def test_backup_and_restore_round_trip_on_the_object_store(tmp_path, new_database, s3_bucket, settings):
    """The files are read from one bucket and restored into another through the storage API; the local
    directory is never used."""
    user = applicant()
    claim(user)
    before = {key: hashlib.sha256(s3.read(s3_bucket, key)).hexdigest() for key in s3.keys(s3_bucket)}
    assert len(before) == 1, "the claim's evidence file is in the bucket"

    call_command("backup_portal", str(tmp_path / "backup"))
    assert {entry["name"]: entry["sha256"] for entry in read_manifest(tmp_path / "backup")["files"]} == before

    restored = s3.new_bucket()
    try:
        env = {**portal_env(new_database, tmp_path / "unused-local"), **s3.s3_environment(restored)}
        result = manage(env, "restore_portal", str(tmp_path / "backup"))
        assert result.returncode == 0, result.stderr
        assert {key: hashlib.sha256(s3.read(restored, key)).hexdigest() for key in s3.keys(restored)} == before
        page = subprocess.run([sys.executable, "-c", LOGGED_IN_PAGE % user.username], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        assert page.stdout.split() == ["200", "True"], page.stderr
    finally:
        s3.drop_bucket(restored)
    assert not (tmp_path / "unused-local").exists() and not Path(settings.PRIVATE_MEDIA_ROOT).exists()


@on_committed_data
def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path):
    claim(applicant())
    call_command("backup_portal", str(tmp_path / "backup"))
    name = read_manifest(tmp_path / "backup")["files"][0]["name"]
    (tmp_path / "backup" / "files" / name).write_bytes(b"tampered")
    with pytest.raises(BackupError, match="does not match its checksum"):
        read_manifest(tmp_path / "backup")


@on_committed_data
def test_a_manifest_pointing_outside_the_backup_is_refused(tmp_path):
    call_command("backup_portal", str(tmp_path / "backup"))
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"].append({"name": "../../etc/passwd", "size": 1, "sha256": "0" * 64})
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="outside the backup"):
        read_manifest(tmp_path / "backup")


@on_committed_data
def test_an_unfinished_backup_and_a_used_directory_are_refused(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup_portal", str(tmp_path / "used"))
    with pytest.raises(BackupError, match="not a finished backup"):
        read_manifest(tmp_path / "used")


def test_storage_names_walks_every_folder(tmp_path, settings):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "media"
    for name in ("a/b/c.pdf", "a/d.pdf", "e.pdf"):
        (tmp_path / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "media" / name).write_bytes(b"x")
    from portal.ops.backups import private_storage

    assert storage_names(private_storage()) == ["a/b/c.pdf", "a/d.pdf", "e.pdf"]


@on_committed_data
def test_a_file_gone_between_dump_and_copy_is_named(tmp_path, capsys):
    from subsidies.models import ClaimAttachment

    claim(applicant())
    name = ClaimAttachment.objects.get().file.name
    (Path(settings.PRIVATE_MEDIA_ROOT) / name).unlink()
    call_command("backup_portal", str(tmp_path / "backup"))
    assert read_manifest(tmp_path / "backup")["missing"] == [name]
    assert name in capsys.readouterr().err
