from django.core.management.base import BaseCommand

from institutes.models import IndustryField, Program
from institutes.program_catalog import sync_programs
from portal.accounts.models import Region
from portal.accounts.region_data import load_regions


class Command(BaseCommand):
    help = "Load or refresh the regions, industry fields and the five programs (idempotent)."

    def handle(self, *args, **options):
        load_regions(Region)
        sync_programs(Program, Region, IndustryField)
        self.stdout.write(self.style.SUCCESS(f"{Program.objects.count()} programs, {Region.objects.count()} regions."))
