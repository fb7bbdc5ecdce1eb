"""Backup and restore of the whole portal: the PostgreSQL database and the private files
(docs/operations.md, "Backups").

A backup is a directory:

    database.dump   pg_dump's custom format, taken from one exported snapshot
    files/…         every private file, under its storage name
    manifest.json   written last: the dump's and every file's size and SHA-256, and each table's
                    row count read inside the same snapshot as the dump

A directory without a manifest is an unfinished backup and is never restored. Restoring checks
every checksum first, refuses a database that has tables or a storage that has files, and checks
the row counts and file hashes again afterwards."""
import datetime
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction

from portal.storage import PrivateStorage, backend

FORMAT = 1
MANIFEST, DUMP, FILES = "manifest.json", "database.dump", "files"
CHUNK = 1024 * 1024


def private_storage():
    """The private files' storage (portal.storage: the local directory or the object store); files
    are read and written through the storage API only, never by path."""
    return backend()


def _is_private(storage) -> bool:
    return isinstance(storage, PrivateStorage)


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    files: int
    bytes: int
    missing: list[str]


def sha256_of(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _require_postgresql():
    if connection.vendor != "postgresql":
        raise BackupError(
            f"Backups need PostgreSQL (DATABASE_URL); this portal runs on {connection.vendor}. "
            "A development SQLite database is backed up by copying its file while the portal is stopped."
        )


def _pg_environment() -> dict:
    db = settings.DATABASES["default"]
    values = {"PGDATABASE": db["NAME"], "PGUSER": db.get("USER"), "PGPASSWORD": db.get("PASSWORD"),
              "PGHOST": db.get("HOST"), "PGPORT": str(db.get("PORT") or "")}
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[:2000]}")


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def storage_names(storage, folder: str = "") -> list[str]:
    """Every file name in `storage` under `folder`, sorted (works for any Django storage)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage whose directory was never created
        return []
    names = [str(PurePosixPath(folder, name)) if folder else name for name in files]
    for sub in folders:
        names.extend(storage_names(storage, str(PurePosixPath(folder, sub)) if folder else sub))
    return sorted(names)


def referenced_files() -> set[str]:
    """The private file names the database's rows point to (every FileField on the private storage)."""
    from django.apps import apps
    from django.db.models import FileField

    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and _is_private(field.storage):
                names.update(model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True))
    return names


def _dump_database(target: Path) -> tuple[dict, dict, set]:
    """The dump, the row counts and the files rows point to, all from one snapshot (REPEATABLE READ,
    exported to pg_dump)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts, referenced = _row_counts(), referenced_files()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={target / DUMP}"])
    with open(target / DUMP, "rb") as dump:
        digest = sha256_of(dump)
    return {"file": DUMP, "size": (target / DUMP).stat().st_size, "sha256": digest}, counts, referenced


def _copy_files(target: Path) -> list[dict]:
    storage, entries = private_storage(), []
    for name in storage_names(storage):
        destination = target / FILES / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, open(destination, "wb") as copy:
            shutil.copyfileobj(source, copy, CHUNK)
        with open(destination, "rb") as copy:
            entries.append({"name": name, "size": destination.stat().st_size, "sha256": sha256_of(copy)})
    return entries


def write_backup(target: Path) -> Summary:
    """Back up the database and the private files into `target` (a new or empty directory)."""
    _require_postgresql()
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new directory for each backup.")
    target.mkdir(parents=True, exist_ok=True)
    database, counts, referenced = _dump_database(target)
    files = _copy_files(target)
    missing = sorted(referenced - {entry["name"] for entry in files})
    manifest = {
        "format": FORMAT, "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": database, "tables": counts, "files": files,
        # rows whose file was gone when the files were copied (removed after the dump, or lost before)
        "missing": missing,
    }
    partial = target / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.rename(target / MANIFEST)
    return Summary(len(counts), sum(counts.values()), len(files), sum(entry["size"] for entry in files), missing)


def read_manifest(source: Path) -> dict:
    """The backup's manifest once every checksum in it matches the files beside it."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(f"{source} has no {MANIFEST}: it is not a finished backup.") from error
    except ValueError as error:
        raise BackupError(f"{source / MANIFEST} is not valid JSON: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not {FORMAT}.")
    for entry in [manifest["database"], *({**e, "file": f"{FILES}/{e['name']}"} for e in manifest["files"])]:
        path = _inside(source, entry["file"])
        if not path.is_file():
            raise BackupError(f"{entry['file']} is missing from the backup.")
        with open(path, "rb") as stream:
            if sha256_of(stream) != entry["sha256"]:
                raise BackupError(f"{entry['file']} does not match its checksum: the backup is damaged.")
    return manifest


def _inside(root: Path, name: str) -> Path:
    """`root / name`, refusing a manifest entry that points outside the backup (../, absolute)."""
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        raise BackupError(f"{name!r} points outside the backup.")
    return path


def restore_backup(source: Path) -> Summary:
    """Restore `source` into the configured (empty) database and (empty) private storage."""
    _require_postgresql()
    source = Path(source)
    manifest = read_manifest(source)
    if connection.introspection.table_names():
        raise BackupError("The database is not empty: restore into a new, empty database (createdb).")
    storage = private_storage()
    if storage_names(storage):
        raise BackupError("The private storage already holds files: restore into an empty one.")
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
          f"--dbname={settings.DATABASES['default']['NAME']}", str(source / DUMP)])
    connection.close()  # the restored schema, read afresh
    for entry in manifest["files"]:
        with open(_inside(source, f"{FILES}/{entry['name']}"), "rb") as stream:
            saved = storage.save(entry["name"], File(stream))
        if saved != entry["name"]:
            raise BackupError(f"{entry['name']} was stored as {saved}.")
    _check_restored(manifest, storage)
    counts = manifest["tables"]
    return Summary(len(counts), sum(counts.values()), len(manifest["files"]),
                   sum(entry["size"] for entry in manifest["files"]), manifest.get("missing", []))


def _check_restored(manifest: dict, storage) -> None:
    counts = _row_counts()
    if counts != manifest["tables"]:
        differ = sorted(t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t))
        raise BackupError(f"Restored row counts differ from the backup in: {', '.join(differ)}")
    for entry in manifest["files"]:
        with storage.open(entry["name"], "rb") as stream:
            if sha256_of(stream) != entry["sha256"]:
                raise BackupError(f"Restored file {entry['name']} does not match its checksum.")
