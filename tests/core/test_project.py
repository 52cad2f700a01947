"""The project's own promises: schema, migrations, deploy checks, translations."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def test_openapi_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/municipalities/",
        "/api/v1/towns/",
        "/api/v1/indicators/",
        "/api/v1/indicator-values/",
        "/api/v1/indicator-values/import/",
        "/api/v1/agreements/",
    ):
        assert f"{path}:" in schema


def test_schema_and_docs_are_served_without_outside_hosts(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode()
    assert "cdn" not in docs.content.decode().lower()


def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


def test_production_settings_pass_deploy_check_and_need_a_secret_key_and_the_site_url():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/jointplan",
        "DJANGO_ALLOWED_HOSTS": "jointplan.example.org",
        "SITE_URL": "https://jointplan.example.org",
    }
    env.pop("DJANGO_SECRET_KEY", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    manage = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    refused = subprocess.run(manage, env=env, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr
    env["DJANGO_SECRET_KEY"] = "a-long-random-production-secret-" + "x" * 40
    # E-mailed survey links would point at localhost: no default for the site's address.
    no_site = {key: value for key, value in env.items() if key != "SITE_URL"}
    refused = subprocess.run(manage, env=no_site, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "SITE_URL" in refused.stderr
    checked = subprocess.run(manage, env=env, cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr + checked.stdout


def test_russian_catalogue_is_complete(tmp_path):
    """Every string the code and templates mark for translation has a Russian translation in
    locale/ru, and the compiled catalogue is not older than its source. The strings are
    extracted afresh from a copy of the sources, so a new unmarked-in-locale string fails."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns(".venv", "var", ".git", "*.pyc", "__pycache__", "media")
    shutil.copytree(ROOT, copy, ignore=ignore)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = {e.msgid for e in polib.pofile(str(copy / "locale/ru/LC_MESSAGES/django.po"))}
    catalogue = polib.pofile(str(ROOT / "locale/ru/LC_MESSAGES/django.po"))
    translated = {e.msgid for e in catalogue if e.translated() and "fuzzy" not in e.flags}
    missing = sorted(extracted - translated)
    assert not missing, f"{len(missing)} strings lack a Russian translation: {missing[:10]}"
    mo = polib.mofile(str(ROOT / "locale/ru/LC_MESSAGES/django.mo"))
    assert {e.msgid for e in mo} >= translated, "run `make messages` to compile the catalogue"


def test_demo_data_is_refused_where_it_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False  # what config.settings.production says
    with pytest.raises(CommandError, match="not allowed"):
        call_command("load_demo", stdout=io.StringIO())
