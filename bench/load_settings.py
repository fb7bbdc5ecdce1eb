"""The production settings plus one bare view, for bench/load.py only: the bare view's req/s is the
yardstick every portal page is measured against, under the same gunicorn in the same run."""
from portal.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
