"""The expert pool: experts added, edited and deactivated by program managers, and imported from a
spreadsheet all or nothing — if any row is wrong nothing is imported and every problem is reported
with its row number and column."""
import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from posixpath import dirname, join, normpath

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from institutes.models import IndustryField
from portal.accounts.models import Region
from portal.audit.services import record_event
from portal.workflow import TransitionRefused, WorkflowError

from ..forms.experts import ExpertRowForm
from ..models import Expert

# (form field, Chinese header, English header, required column)
COLUMNS = [
    ("name", "姓名", "name", True),
    ("kind", "类型", "type", True),
    ("pool", "专家库", "pool", False),
    ("field_names", "领域", "fields", True),
    ("title", "职称", "title", False),
    ("employer", "工作单位", "employer", True),
    ("employer_uscc", "统一社会信用代码", "employer_uscc", False),
    ("region_code", "地区代码", "region_code", False),
    ("phone", "电话", "phone", False),
    ("email", "邮箱", "email", False),
]
MAX_ROWS = 5000
MAX_XML_BYTES = 50 * 1024 * 1024
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CELL_REFERENCE = re.compile(r"([A-Z]+)(\d+)")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


class ImportRejected(WorkflowError):
    """Nothing was imported; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        super().__init__(_("Nothing was imported: the file has %(n)d problem(s). Correct them and upload it again.")
                         % {"n": len(errors)})
        self.errors = errors


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)


# ---- one expert ------------------------------------------------------------------------------

@transaction.atomic
def save_expert(user, form, formsets, *, request=None) -> Expert:
    """Save an expert's form and the formsets of former employers and declared ties (validated)."""
    if not user.has_perm("reviews.manage_expert_pool"):
        raise PermissionDenied
    creating = form.instance.pk is None
    changed = sorted({*form.changed_data, *(fs.prefix for fs in formsets if fs.has_changed())})
    expert = form.save()
    for formset in formsets:
        formset.instance = expert
        formset.save()
    record_event(
        expert, action="create" if creating else "update",
        action_label=_("Expert added to the pool") if creating else _("Expert updated"),
        actor=user, data={"changed": changed}, request=request,
    )
    return expert


@transaction.atomic
def deactivate_expert(expert: Expert, user, *, request=None) -> None:
    """An inactive expert stays on the panels they sit on but is no longer drawn."""
    if not user.has_perm("reviews.manage_expert_pool"):
        raise PermissionDenied
    if not Expert.objects.filter(pk=expert.pk, is_active=True).update(is_active=False):
        raise TransitionRefused(_("%(expert)s is already inactive.") % {"expert": expert.name})
    expert.is_active = False
    record_event(expert, action="deactivate", action_label=_("Expert deactivated"), actor=user, request=request)


# ---- import ----------------------------------------------------------------------------------

def import_experts(upload, user, *, request=None) -> list[Expert]:
    """Import every expert of an .xlsx or .csv upload, or none: raises ImportRejected with the
    row-by-row report when any row is wrong."""
    if not user.has_perm("reviews.manage_expert_pool"):
        raise PermissionDenied
    table = read_table(upload)
    rows, errors = validate_rows(table)
    if errors:
        raise ImportRejected(errors)
    return _create_imported(rows, user, upload.name, request)


def template_csv() -> bytes:
    """The header row of an import file, UTF-8 with a byte-order mark so that Excel reads the Chinese."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([chinese for _key, chinese, _english, _required in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def read_table(upload) -> Table:
    name = upload.name.lower()
    data = upload.read()
    if name.endswith(".csv"):
        rows = _csv_rows(data)
    elif name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        raise _file_refused(_("Upload an .xlsx workbook or a .csv file (an old .xls: save it as .xlsx)."))
    rows = [(number, cells) for number, cells in rows if any(cell.strip() for cell in cells)]
    if not rows:
        raise _file_refused(_("The file is empty."))
    if len(rows) - 1 > MAX_ROWS:
        raise _file_refused(_("The file has more than %(n)d rows; split it.") % {"n": MAX_ROWS})
    (_number, header), *body = rows
    return Table([cell.strip() for cell in header], body)


def validate_rows(table: Table) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """(row number, cleaned data) of every row, and every problem found."""
    columns, errors = _header_columns(table.header)
    if errors:
        return [], errors
    fields = {key.lower(): f for f in IndustryField.objects.all() for key in (f.name, f.code)}
    regions = {r.code: r for r in Region.objects.all()}
    labels = {key: table.header[index] for key, index in columns.items()}
    known = _existing_names_and_employers(table, columns)
    valid = []
    for number, cells in table.rows:
        record = {key: cells[index].strip() if index < len(cells) else "" for key, index in columns.items()}
        form = ExpertRowForm(record, industry_fields=fields, regions=regions)
        if not form.is_valid():
            errors += [RowError(number, labels.get(key, ""), message) for key, messages in form.errors.items()
                       for message in messages]
            continue
        identity = (form.cleaned_data["name"], form.cleaned_data["employer"])
        if identity in known:
            message = _("%(name)s of %(employer)s is already in the pool or earlier in the file.") % {
                "name": identity[0], "employer": identity[1]}
            errors.append(RowError(number, labels["name"], message))
        known.add(identity)
        valid.append((number, form.cleaned_data))
    return valid, errors


def _header_columns(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    by_heading = {}
    for key, chinese, english, _required in COLUMNS:
        by_heading[chinese] = by_heading[english] = key
    columns, errors = {}, []
    for index, heading in enumerate(header):
        if not heading:
            continue
        key = by_heading.get(heading) or by_heading.get(heading.lower())
        if key is None:
            errors.append(RowError(1, heading, _("Unknown column. The columns are: %(columns)s.") % {
                "columns": "、".join(f"{chinese}/{english}" for _k, chinese, english, _r in COLUMNS)}))
        elif key in columns:
            errors.append(RowError(1, heading, _("This column appears twice.")))
        else:
            columns[key] = index
    for key, chinese, english, required in COLUMNS:
        if required and key not in columns:
            errors.append(RowError(1, f"{chinese}/{english}", _("This column is missing.")))
    return columns, errors


def _existing_names_and_employers(table: Table, columns: dict[str, int]) -> set[tuple[str, str]]:
    index = columns["name"]
    names = {cells[index].strip() for _number, cells in table.rows if index < len(cells)}
    return set(Expert.objects.filter(name__in=names).values_list("name", "employer_name"))


@transaction.atomic
def _create_imported(rows: list[tuple[int, dict]], user, file_name: str, request) -> list[Expert]:
    experts = Expert.objects.bulk_create([
        Expert(
            name=data["name"], kind=data["kind"], pool=data["pool"], title=data["title"], employer_name=data["employer"],
            employer_uscc=data["employer_uscc"], region=data["region_code"], phone=data["phone"], email=data["email"],
        )
        for _number, data in rows
    ])
    through = Expert.fields.through
    through.objects.bulk_create([
        through(expert_id=expert.pk, industryfield_id=field.pk)
        for expert, (_number, data) in zip(experts, rows) for field in data["field_names"]
    ])
    for expert, (number, _data) in zip(experts, rows):
        record_event(
            expert, action="import", action_label=_("Expert imported"), actor=user,
            comment=_("%(file)s, row %(row)d") % {"file": file_name, "row": number}, request=request,
        )
    return experts


# ---- reading the files -----------------------------------------------------------------------

def _file_refused(message: str) -> ImportRejected:
    """A problem with the file as a whole (row 0: no particular row)."""
    return ImportRejected([RowError(0, "", message)])


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            return list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
        except csv.Error:
            break
    raise _file_refused(_("The file cannot be read as CSV text in UTF-8 or GB18030; save it as “CSV UTF-8”."))


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """The cells of the workbook's first sheet as text, read with the standard library."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            strings = _shared_strings(archive)
            sheet = _xml(archive, _first_sheet_path(archive))
        rows = sheet.iter(f"{{{SPREADSHEET_NS}}}row")
        return [_sheet_row(row, position, strings) for position, row in enumerate(rows, 1)]
    except (zipfile.BadZipFile, KeyError, IndexError, ET.ParseError, ValueError):
        raise _file_refused(_("The file is not a readable .xlsx workbook."))


def _sheet_row(row: ET.Element, position: int, strings: list[str]) -> tuple[int, list[str]]:
    cells = {}
    for column, cell in enumerate(row.iter(f"{{{SPREADSHEET_NS}}}c")):
        reference = CELL_REFERENCE.fullmatch(cell.get("r") or "")
        cells[_column_index(reference.group(1)) if reference else column] = _cell_text(cell, strings)
    return int(row.get("r") or position), [cells.get(i, "") for i in range(max(cells, default=-1) + 1)]


def _xml(archive: zipfile.ZipFile, name: str) -> ET.Element:
    if archive.getinfo(name).file_size > MAX_XML_BYTES:
        raise ValueError("part too large")
    content = archive.read(name)
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise ValueError("document type declarations are not accepted")
    return ET.fromstring(content)


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = _xml(archive, "xl/workbook.xml")
    sheet = workbook.find(f"{{{SPREADSHEET_NS}}}sheets/{{{SPREADSHEET_NS}}}sheet")
    if sheet is None:
        raise KeyError("no sheet")
    relations = _xml(archive, "xl/_rels/workbook.xml.rels")
    wanted = sheet.get(f"{{{RELATIONSHIP_NS}}}id")
    for relation in relations.iter(f"{{{PACKAGE_RELS_NS}}}Relationship"):
        if relation.get("Id") == wanted:
            target = relation.get("Target")
            return target.lstrip("/") if target.startswith("/") else normpath(join(dirname("xl/workbook.xml"), target))
    raise KeyError(wanted)


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    root = _xml(archive, "xl/sharedStrings.xml")
    return [_rich_text(item) for item in root.iter(f"{{{SPREADSHEET_NS}}}si")]


def _rich_text(element: ET.Element) -> str:
    """The text of a string item or inline string: its own <t>, or the <t> of each run (<r>);
    phonetic guides (<rPh>) are left out."""
    text = element.find(f"{{{SPREADSHEET_NS}}}t")
    if text is not None:
        return text.text or ""
    return "".join(run.findtext(f"{{{SPREADSHEET_NS}}}t", "") for run in element.findall(f"{{{SPREADSHEET_NS}}}r"))


def _cell_text(cell: ET.Element, strings: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        inline = cell.find(f"{{{SPREADSHEET_NS}}}is")
        return _rich_text(inline) if inline is not None else ""
    value = cell.findtext(f"{{{SPREADSHEET_NS}}}v", "")
    if kind == "s":
        return strings[int(value)]
    if kind in (None, "n"):
        return _number_text(value)
    return value


def _number_text(value: str) -> str:
    """13800138000 stays 13800138000, not 1.3800138E10."""
    try:
        number = Decimal(value)
        if number == number.to_integral_value():
            return format(number.quantize(1), "f")
        return format(number.normalize(), "f")
    except InvalidOperation:
        return value


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1
