"""The migrations build exactly the schema the models describe (on SQLite and PostgreSQL);
the one thing only the database knows is PostgreSQL's no-overlap exclusion constraint."""

from playhouse.schema_diff import diff_models

from yume.api_tokens import ApiToken
from yume.brains.usage import ClaudeUsage
from yume.closures import BusinessClosure
from yume.db import database, is_postgres
from yume.effects import TurnEffect
from yume.faq_models import FaqEntry
from yume.models import ALL_MODELS
from yume.onboarding.models import MODELS as ONBOARDING_MODELS
from yume.reminders_models import AgendaDelivery, AppointmentEvent, Reminder
from yume.webhook_journal import InboundWebhook

MODELS = [*ALL_MODELS, InboundWebhook, AppointmentEvent, Reminder, AgendaDelivery, ClaudeUsage]
MODELS += [*ONBOARDING_MODELS, BusinessClosure]
MODELS += [FaqEntry, TurnEffect]
MODELS += [ApiToken]
EXCLUSION = "appointment_staff_no_overlap"


def test_it_migrates_to_exactly_the_models_schema():
    diff = diff_models(database.obj, MODELS)
    db_only = [index.name for index in diff.drop_indexes]
    assert db_only == ([EXCLUSION] if is_postgres() else []), diff
    assert not any([diff.create_tables, diff.add_columns, diff.drop_columns, diff.add_indexes])
