import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from portal.production import require_production_settings  # noqa: E402 — needs the settings loaded

require_production_settings()  # gunicorn does not boot on development fallbacks
