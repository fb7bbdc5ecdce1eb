"""Reference data the data migrations load (roles, regions, programs, rubrics…), loadable again
for test databases that were built without migrations or flushed by a transactional test."""


def load_reference_data() -> None:
    from django.contrib.auth.models import Group

    from institutes.models import IndustryField, Program
    from institutes.program_catalog import sync_programs
    from portal.accounts.models import ROLES, Region
    from portal.accounts.region_data import load_regions
    from reviews.rubric_catalog import load_rubrics

    for role in ROLES:
        Group.objects.get_or_create(name=role)
    load_regions(Region)
    sync_programs(Program, Region, IndustryField)
    load_rubrics()
    from subsidies.rule_catalog import load_rules

    load_rules()
