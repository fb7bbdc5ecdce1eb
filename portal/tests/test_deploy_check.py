"""With production environment variables, `manage.py check --deploy` reports no issues."""
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
KEY_ALPHABET = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"


def production_env(tmp_path, **changes):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DEBUG", "SECRET_KEY", "SECURE_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "".join(secrets.choice(KEY_ALPHABET) for _ in range(60)),
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "TRUSTED_PROXIES": "127.0.0.1",
    })
    env.update(changes)
    return {key: value for key, value in env.items() if value is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_reports_no_issues_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_deploy_check_warns_without_trusted_proxies(tmp_path):
    result = manage(production_env(tmp_path, TRUSTED_PROXIES=None), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "portal.W001" in output and "every client address is the proxy's" in output
    assert "Set TRUSTED_PROXIES" in output


def test_deploy_check_without_debug_off_does_not_warn_about_proxies(tmp_path, settings):
    from portal.production import trusted_proxies_check

    settings.DEBUG, settings.TRUSTED_PROXIES = True, []
    assert trusted_proxies_check(None) == []
    settings.DEBUG = False
    assert [message.id for message in trusted_proxies_check(None)] == ["portal.W001"]
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert trusted_proxies_check(None) == []


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "PRIVATE_MEDIA_ROOT"])
def test_production_settings_refuse_to_start_without_a_required_variable(tmp_path, variable):
    """No silent development fallback (public key, SQLite and attachments in the checkout, eager
    tasks) with DEBUG off."""
    result = manage(production_env(tmp_path, **{variable: None}), "check")
    assert result.returncode != 0
    assert f"{variable} must be set when DEBUG is off" in result.stderr


def test_with_the_object_store_the_bucket_is_required_instead_of_a_local_directory(tmp_path):
    on_s3 = production_env(tmp_path, PRIVATE_STORAGE="s3", PRIVATE_MEDIA_ROOT=None, AWS_STORAGE_BUCKET_NAME=None)
    result = manage(on_s3, "check")
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME must be set when DEBUG is off" in result.stderr
    assert "PRIVATE_MEDIA_ROOT" not in result.stderr
    result = manage({**on_s3, "AWS_STORAGE_BUCKET_NAME": "portal-private"}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_private_storage_is_refused(tmp_path):
    result = manage(production_env(tmp_path, PRIVATE_STORAGE="ftp"), "check")
    assert result.returncode != 0
    assert "PRIVATE_STORAGE is 'ftp': set it to local (the default) or s3." in result.stderr


def test_collectstatic_needs_no_production_variable(tmp_path):
    """A build machine collects the static files with DEBUG off and nothing else set."""
    bare = {name: None for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "PRIVATE_MEDIA_ROOT")}
    result = manage(production_env(tmp_path, **bare), "collectstatic", "--noinput", "-v0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()


def test_the_wsgi_application_refuses_to_start_without_a_required_variable(tmp_path):
    env = production_env(tmp_path, DATABASE_URL=None)
    result = subprocess.run([sys.executable, "-c", "import portal.wsgi"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "DATABASE_URL must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize("command", [["worker", "--pool", "solo"], ["beat", "--schedule", "beat-schedule"]])
def test_celery_refuses_to_start_without_a_required_variable(tmp_path, command):
    env = production_env(tmp_path, PRIVATE_MEDIA_ROOT=None, REDIS_URL="redis://127.0.0.1:9/0")
    result = subprocess.run([sys.executable, "-m", "celery", "-A", "portal", *command], cwd=tmp_path,
                            env={**env, "PYTHONPATH": str(BASE_DIR)}, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "PRIVATE_MEDIA_ROOT must be set when DEBUG is off" in result.stdout + result.stderr


def test_development_tools_are_never_active_with_debug_off(tmp_path):
    """django-zeal is installed in this environment (requirements-dev.txt); with DEBUG off it is
    neither an app nor a middleware, while the development settings do load it."""
    show = "from django.conf import settings; print(sorted(settings.INSTALLED_APPS + settings.MIDDLEWARE))"
    production = manage(production_env(tmp_path), "shell", "-c", show)
    development = manage(production_env(tmp_path, DEBUG=None), "shell", "-c", show)
    assert production.returncode == 0, production.stderr
    assert development.returncode == 0, development.stderr
    assert "zeal" in development.stdout
    assert "zeal" not in production.stdout
    assert "axes" in production.stdout


def test_a_weak_secret_key_is_reported(tmp_path):
    """The check is live: the same command fails when a production setting is wrong."""
    result = manage(production_env(tmp_path, SECRET_KEY="short"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("variable", ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"])
def test_switching_https_hardening_off_is_reported(tmp_path, variable):
    result = manage(production_env(tmp_path, **{variable: "0"}), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


def test_mail_with_both_starttls_and_tls_is_refused_at_start(tmp_path):
    """A relay speaks STARTTLS (587) or TLS (465): both at once would fail only at the first e-mail."""
    result = manage(production_env(tmp_path, EMAIL_USE_TLS="1", EMAIL_USE_SSL="1"), "check")
    assert result.returncode != 0 and "EMAIL_USE_TLS" in result.stderr and "EMAIL_USE_SSL" in result.stderr


def test_mail_account_and_starttls_come_from_the_environment(tmp_path):
    env = production_env(tmp_path, EMAIL_HOST_USER="portal", EMAIL_HOST_PASSWORD="s3cret", EMAIL_USE_TLS="1",
                         EMAIL_PORT="587")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
                             "print(s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_PORT)"],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["portal", "s3cret", "True", "False", "587"], result.stderr
