"""ZZ23 管理办法 第十条（二）"已批复的省产业研究院可享受市产业研究院相关扶持政策": a program manager of ZZ23
registers an approved provincial institute located in Zhengzhou the way XX22 registration works."""
import datetime

import pytest
from django.urls import reverse

from institutes.models import IndustryField, Institute
from institutes.services_annual import register_provincial_institute, registration_programs
from portal.accounts.uscc_factory import make_uscc
from portal.workflow import TransitionRefused
from tests.factories import program, program_manager, region

pytestmark = pytest.mark.django_db


def _register(user, region_code, serial):
    return register_provincial_institute(
        user, program=program("ZZ23"), name="河南省某产业研究院", uscc=make_uscc(region_code, serial),
        unit_name="郑州某有限公司", region=region(region_code), industry_field=IndustryField.objects.first(),
        document_number="豫工信〔2024〕3号", recognized_on=datetime.date(2024, 5, 1),
    )


def test_a_zz23_manager_registers_a_provincial_institute_in_zhengzhou():
    manager = program_manager("ZZ23")
    assert [p.code for p in registration_programs(manager)] == ["ZZ23"]
    institute = _register(manager, "410105", 888001)
    assert (institute.program.code, institute.state, institute.registered_from_province) == (
        "ZZ23", Institute.State.ACTIVE, True)


def test_a_provincial_institute_outside_zhengzhou_is_refused_with_the_reason():
    with pytest.raises(TransitionRefused, match="郑州|must be located in"):
        _register(program_manager("ZZ23"), "410702", 888002)  # 新乡
    assert not Institute.objects.filter(registered_from_province=True).exists()


def test_the_registration_page_offers_zz23_to_its_manager(client):
    manager = program_manager("ZZ23")
    client.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("institutes:institute_register"))
    assert page.status_code == 200
    assert program("ZZ23").name in page.content.decode()
