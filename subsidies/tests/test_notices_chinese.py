"""Notices and the calculator speak Chinese (issue 9): no English rule name or raw code in a Chinese
PDF, titles never break inside a word, and an amount above SJZ22-6's guide amount is said aloud."""
import re

import pytest
from django.urls import reverse

from subsidies.calculator.engine import guide_notes
from subsidies.models import PolicyRuleVersion
from subsidies.notices.content import title_runs
from subsidies.services import notices as service
from tests.factories_subsidies_notices import entitlement, published_grade, recognised

from .test_notices_render import assert_official_pdf

pytestmark = pytest.mark.django_db

CALCULATOR = reverse("subsidies:calculator")
# Latin words a document number, a code or an amount may legitimately carry on a Chinese notice.
LATIN = re.compile(r"[A-Za-z]{3,}")


def test_grade_notice_names_the_grade_and_the_rules_in_chinese(django_capture_on_commit_callbacks):
    """郑政办〔2023〕6号 五（一）“根据综合绩效评价考核等次……考核等次为优秀、良好、合格的，分别给予最高800万元、
    500万元、100万元补助”: the grade notice is a Chinese official document; the grade reads 优秀 and every rule
    line its Chinese name, never `excellent` or an English title."""
    unit = recognised()
    published_grade(unit, 2025, "excellent", "93.00")
    entitlement(unit, 2025, "1000000.00")
    with django_capture_on_commit_callbacks(execute=True):
        notice, _created = service.issue_grade_notice(unit, 2025)
    text, flat = assert_official_pdf(notice)
    assert "优秀" in flat and "评价" in notice.title
    assert "excellent" not in text.lower()
    assert LATIN.findall(text) == [], LATIN.findall(text)


def test_title_keeps_names_words_and_years_whole():
    runs = title_runs("关于郑州智能装备有限公司2025年度评价结果的通知", names=("郑州智能装备有限公司",))
    assert runs[:3] == ["关于", "郑州智能装备有限公司", "2025年度"]
    assert "评价结果" in runs and runs[-1] == "通知"
    assert "".join(runs) == "关于郑州智能装备有限公司2025年度评价结果的通知"


def test_a_long_name_breaks_only_between_its_words():
    name = "河南省郑州市高新技术产业开发区智能装备制造业创新中心有限公司"
    runs = title_runs(f"关于认定{name}的通知", names=(name,))
    assert name not in runs  # too long for one line: it may wrap …
    assert "制造业创新中心" in runs and "有限公司" in runs  # … but never inside a word
    assert "".join(runs) == f"关于认定{name}的通知"


def sjz22_6():
    return PolicyRuleVersion.objects.get(code="SJZ22-6").as_rule_version()


@pytest.mark.parametrize(("amount", "noted"), [("1000000", False), ("1000000.01", True), ("1500000", True)])
def test_guide_amount_note_only_above_the_guide(amount, noted):
    """石政办〔2022〕10号 四（六）“每个项目给予100万左右的财政资金支持”: about 100万 is a guide, staff may
    approve more — but the quote must say the amount is above it."""
    notes = guide_notes(sjz22_6(), {"approved_amount": amount, "staff_override": True})
    assert bool(notes) is noted
    if noted:
        assert "100" in notes[0]


def test_guide_notes_ignore_other_rule_types():
    version = PolicyRuleVersion.objects.get(code="ZZ23-3").as_rule_version()
    assert guide_notes(version, {"investment": "99999999"}) == []


def test_staff_override_quotes_above_the_guide_and_the_page_says_so(client):
    response = client.get(CALCULATOR, {
        "calculate": "1", "rule": "SJZ22-6", "date": "2024-05-10", "fact_approved_amount": "1500000",
        "fact_staff_override": "on",
    })
    assert response.context["answer"] is not None
    assert response.context["answer"]["payouts"][0]["amount"] == "1500000.00"
    html = response.content.decode()
    assert response.context["notes"] and response.context["notes"][0] in html
    assert "150万元" in html or "150" in response.context["notes"][0]
