"""Attachments are checked by content, not by name: PDF, images, Word and Excel only, ≤ 20 MB."""
import hashlib
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALLOWED = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "application/msword": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls compound file


@dataclass
class InspectedUpload:
    content_type: str
    sha256: str


def inspect_upload(uploaded_file) -> InspectedUpload:
    if uploaded_file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; at most %(max)s MB is allowed."),
            params={"size": round(uploaded_file.size / 1024 / 1024, 1), "max": settings.ATTACHMENT_MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    content_type = sniff_content_type(uploaded_file)
    if content_type not in ALLOWED:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG/PNG image, Word or Excel file (checked by its content)."),
            params={"name": uploaded_file.name}, code="file_type",
        )
    return InspectedUpload(content_type=content_type, sha256=_sha256(uploaded_file))


def sniff_content_type(uploaded_file) -> str | None:
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    if head.startswith(OLE_MAGIC):
        name = uploaded_file.name.lower()
        return "application/vnd.ms-excel" if name.endswith(".xls") else "application/msword"
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime == "application/zip" or kind.mime in ALLOWED and "openxml" in kind.mime:
        return _office_open_xml_type(uploaded_file)
    return kind.mime


def _office_open_xml_type(uploaded_file) -> str | None:
    """A .docx/.xlsx is a zip; only its parts tell Word from Excel from any other zip."""
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    finally:
        uploaded_file.seek(0)
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def _sha256(uploaded_file) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def private_file_response(stored_file, filename: str, content_type: str):
    """Stream a file from private storage as a download, never rendered inline by the browser.
    Call it only after the view has checked that the user may see the file's owner."""
    from django.http import FileResponse

    response = FileResponse(stored_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
