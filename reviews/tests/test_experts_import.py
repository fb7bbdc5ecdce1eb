"""Importing experts from .xlsx and .csv files: all or nothing, with a row-by-row report."""
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.audit.models import AuditEvent
from reviews.models import Expert
from reviews.services.experts import ImportRejected, import_experts, template_csv
from tests.factories import program_manager
from tests.factories_reviews_panels import PoolExpertFactory, uscc

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "类型", "专家库", "领域", "工作单位", "统一社会信用代码", "地区代码", "电话", "邮箱"]


def csv_file(rows, *, name="experts.csv", encoding="utf-8"):
    text = "\n".join(",".join(cells) for cells in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, name="experts.xlsx"):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("专家")
    bold = workbook.add_format({"bold": True})
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if isinstance(value, tuple):
                sheet.write_rich_string(r, c, bold, value[0], value[1])
            else:
                sheet.write(r, c, value)
    workbook.close()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def good_rows():
    return [
        HEADER,
        ["王建国", "管理", "行业", "高端装备、新材料", "郑州大学", uscc(), "410105", "13800138000", "wang@example.test"],
        ["李技术", "技术专家", "", "电子信息;software", "中原研究院", "", "", "", ""],
        ["赵财务", "财务", "财务专家库", "高端装备", "河南会计师事务所", "", "410103", "", ""],
    ]


def test_a_good_csv_file_imports_every_expert():
    manager = program_manager("ZZ23")

    # services write in the acting user's language; this one works in the portal's (Chinese), whatever an
    # earlier request of the same test process left active
    with translation.override("zh-hans"):
        imported = import_experts(csv_file(good_rows()), manager)

    assert len(imported) == 3
    wang = Expert.objects.get(name="王建国")
    assert (wang.kind, wang.pool, wang.region.code, wang.phone) == ("management", "industry", "410105", "13800138000")
    assert sorted(wang.fields.values_list("code", flat=True)) == ["advanced-equipment", "new-materials"]
    li = Expert.objects.get(name="李技术")
    assert (li.kind, li.pool, li.region) == ("technical", "industry", None)
    assert sorted(li.fields.values_list("code", flat=True)) == ["electronic-information", "software"]
    assert Expert.objects.get(name="赵财务").pool == "financial"
    events = AuditEvent.objects.filter(action="import")
    assert events.count() == 3 and all(e.actor == manager for e in events)
    assert sorted(e.comment for e in events) == ["experts.csv，第2行", "experts.csv，第3行", "experts.csv，第4行"]


def test_a_csv_with_a_byte_order_mark_and_english_headers_is_read():
    rows = [["name", "type", "pool", "fields", "employer", "employer_uscc", "region_code", "phone", "email"],
            ["Li Lei", "technical", "industry", "advanced-equipment", "Zhengzhou University", "", "", "", ""]]
    upload = csv_file(rows, encoding="utf-8-sig")
    assert upload.read(3) == b"\xef\xbb\xbf"
    upload.seek(0)

    import_experts(upload, program_manager("ZZ23"))

    assert Expert.objects.get(name="Li Lei").employer_name == "Zhengzhou University"


def test_a_csv_saved_by_excel_in_gb18030_is_read():
    import_experts(csv_file(good_rows(), encoding="gb18030"), program_manager("ZZ23"))
    assert Expert.objects.filter(name__in=["王建国", "李技术", "赵财务"]).count() == 3


def test_an_xlsx_workbook_is_read_with_numbers_and_rich_text():
    rows = good_rows()
    rows[1][7] = 13800138000
    rows[2][0] = ("李", "技术")

    import_experts(xlsx_file(rows), program_manager("ZZ23"))

    assert Expert.objects.get(name="王建国").phone == "13800138000"
    assert Expert.objects.filter(name="李技术").exists()
    assert Expert.objects.count() == 3


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_imported():
    rows = good_rows()
    rows[2][1] = "教授"
    rows[3][3] = "火星采矿"
    rows[3][8] = "not-an-email"
    rows.append(["", "", "", "", "", "", "", "", ""])
    rows.append(["孙坏码", "技术", "", "高端装备", "某公司", "91410105MA00000000", "999999", "", ""])

    with pytest.raises(ImportRejected) as rejection:
        import_experts(csv_file(rows), program_manager("ZZ23"))

    report = {(e.row, e.column) for e in rejection.value.errors}
    assert report == {(3, "类型"), (4, "领域"), (4, "邮箱"), (6, "统一社会信用代码"), (6, "地区代码")}
    assert "火星采矿" in next(e.message for e in rejection.value.errors if e.column == "领域")
    assert not Expert.objects.exists()
    assert not AuditEvent.objects.filter(action="import").exists()


def test_unknown_and_missing_columns_are_reported_on_row_1():
    rows = [["姓名", "类型", "邮件", "工作单位"], ["王五", "技术", "w@example.test", "某单位"]]

    with pytest.raises(ImportRejected) as rejection:
        import_experts(csv_file(rows), program_manager("ZZ23"))

    assert {(e.row, e.column) for e in rejection.value.errors} == {(1, "邮件"), (1, "领域/fields")}
    assert not Expert.objects.exists()


def test_an_expert_already_in_the_pool_or_twice_in_the_file_is_reported():
    PoolExpertFactory(name="王建国", employer_name="郑州大学")
    rows = good_rows()
    rows.append(["李技术", "技术", "", "高端装备", "中原研究院", "", "", "", ""])

    with pytest.raises(ImportRejected) as rejection:
        import_experts(csv_file(rows), program_manager("ZZ23"))

    assert {(e.row, e.column) for e in rejection.value.errors} == {(2, "姓名"), (5, "姓名")}
    assert Expert.objects.count() == 1


@pytest.mark.parametrize(("name", "content"), [
    ("experts.xls", b"\xd0\xcf\x11\xe0old excel"),
    ("experts.xlsx", b"PK\x03\x04 not really a zip"),
    ("experts.csv", b""),
])
def test_unreadable_files_are_refused(name, content):
    with pytest.raises(ImportRejected) as rejection:
        import_experts(SimpleUploadedFile(name, content), program_manager("ZZ23"))
    assert len(rejection.value.errors) == 1 and rejection.value.errors[0].row == 0
    assert not Expert.objects.exists()


def test_the_template_has_the_chinese_headers_and_is_accepted_back():
    content = template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").strip().split(",")[:4] == ["姓名", "类型", "专家库", "领域"]
    body = "王六,技术,,高端装备,教授,某单位,,,,\n".encode()
    import_experts(SimpleUploadedFile("filled.csv", content + body), program_manager("ZZ23"))
    expert = Expert.objects.get()
    assert (expert.name, expert.title, expert.employer_name) == ("王六", "教授", "某单位")


# ---- through the page -----------------------------------------------------------------------

def test_the_import_page_shows_the_report_and_imports_nothing(as_user):
    client = as_user(program_manager("ZZ23"))
    rows = good_rows()
    rows[3][1] = "教授"

    response = client.post(reverse("reviews:expert_import"), {"file": csv_file(rows)})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page and "教授" in page
    assert [(e.row, e.column) for e in response.context["errors"]] == [(4, "类型")]
    assert not Expert.objects.exists()


def test_the_import_page_imports_a_good_file(as_user):
    client = as_user(program_manager("ZZ23"))

    response = client.post(reverse("reviews:expert_import"), {"file": xlsx_file(good_rows())})

    assert response.status_code == 302 and response["Location"] == reverse("reviews:expert_list")
    assert Expert.objects.count() == 3


def test_the_template_download(as_user):
    response = as_user(program_manager("ZZ23")).get(reverse("reviews:expert_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").startswith("姓名,类型")
