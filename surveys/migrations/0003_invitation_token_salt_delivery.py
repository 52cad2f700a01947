# Derived invitation tokens and delivery state (surveys.tokens), and published questionnaire
# versions made immutable in the database itself.

import secrets

import surveys.tokens
from django.db import migrations, models

# Invitations made before tokens were derived keep their hash, so the links already handed
# out keep working; their salt is new and random, so their links cannot be re-derived: they
# are e-mailed again only after "issue a new link" (surveys.services.invitations).
def _salts(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    rows = list(Invitation.objects.only("pk"))
    for row in rows:
        row.token_salt = secrets.token_hex(32)
    Invitation.objects.bulk_update(rows, ["token_salt"], batch_size=1000)


# A published version is what campaigns and answers point at: no UPDATE may change it, be it
# a bulk QuerySet.update(), raw SQL or a data migration (the model's save() guard sees none
# of those). Only ``published_by`` may change: deleting the user sets it to NULL.
_FROZEN = ("questionnaire_id", "number", "schema", "schema_hash", "published_at")
_MESSAGE = "published questionnaire versions are immutable"

_PG_CREATE = f"""
CREATE FUNCTION surveys_questionnaireversion_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN)} THEN
        RAISE EXCEPTION '{_MESSAGE} (id %)', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER surveys_questionnaireversion_immutable
    BEFORE UPDATE ON surveys_questionnaireversion
    FOR EACH ROW EXECUTE FUNCTION surveys_questionnaireversion_immutable();
"""
_PG_DROP = """
DROP TRIGGER IF EXISTS surveys_questionnaireversion_immutable ON surveys_questionnaireversion;
DROP FUNCTION IF EXISTS surveys_questionnaireversion_immutable();
"""
_SQLITE_CREATE = f"""
CREATE TRIGGER surveys_questionnaireversion_immutable
BEFORE UPDATE ON surveys_questionnaireversion
WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN)}
BEGIN
    SELECT RAISE(ABORT, '{_MESSAGE}');
END;
"""
_SQLITE_DROP = "DROP TRIGGER IF EXISTS surveys_questionnaireversion_immutable;"


def _run(schema_editor, sql: dict[str, str]) -> None:
    statement = sql.get(schema_editor.connection.vendor)
    if statement:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(statement)


def _trigger_create(apps, schema_editor):
    _run(schema_editor, {"postgresql": _PG_CREATE, "sqlite": _SQLITE_CREATE})


def _trigger_drop(apps, schema_editor):
    _run(schema_editor, {"postgresql": _PG_DROP, "sqlite": _SQLITE_DROP})


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0002_answertally"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="token_salt",
            field=models.CharField(
                default=surveys.tokens.token_salt_new,
                editable=False,
                max_length=64,
                verbose_name="token salt",
            ),
        ),
        migrations.RunPython(_salts, migrations.RunPython.noop),
        migrations.AddField(
            model_name="invitation",
            name="send_attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="delivery attempts"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="sending_since",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sending since"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="send_error",
            field=models.TextField(blank=True, verbose_name="delivery error"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="send_failed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="delivery failed"),
        ),
        migrations.RunPython(_trigger_create, _trigger_drop),
    ]
