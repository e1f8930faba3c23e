"""The business's own answers to what customers ask (migration 0011): payment methods,
parking, cancellation policy, Instagram, anything. Set through the API, the business file
or the owner's chat; both brains answer from them (yume/faq.py)."""

from __future__ import annotations

from peewee import CharField, ForeignKeyField, TextField

from yume.models import BaseModel, Organization, UTCDateTimeField, utcnow

QUESTION_MAX = 300
ANSWER_MAX = 1000


class FaqEntry(BaseModel):
    organization = ForeignKeyField(Organization, backref="faq", on_delete="CASCADE")
    question = CharField(max_length=QUESTION_MAX)
    answer = TextField()
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "faq_entry"
        indexes = ((("organization", "question"), True),)
