"""/api/v1/organizations/{org}/faq: the business's answers to frequent questions, which both
brains answer from (yume/faq.py). Routes on the API blueprint, like every other resource."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import Tag

from yume import faq, schemas
from yume.web.api import CONFLICT, NO_CONTENT, _given, _org, api, no_content, shaped, writes

FAQ = Tag(name="faq", description="Frequent questions and the business's answers.")


@api.post("/organizations/<org>/faq", tags=[FAQ], responses={201: schemas.FaqEntry, **CONFLICT})
@writes
def create_faq_entry(path: schemas.OrgPath, body: schemas.FaqCreate) -> Response:
    """Add a frequent question
    Payment methods, parking, cancellation policy, Instagram, anything: Yume answers
    customers with it. Sending a question that is already there replaces its answer.
    """
    entry = faq.set_entry(_org(path.org), body.question, body.answer)
    return shaped(schemas.faq_entry_of(entry), 201)


@api.get("/organizations/<org>/faq", tags=[FAQ], responses={200: schemas.FaqList})
def list_faq(path: schemas.OrgPath) -> Response:
    """List the frequent questions"""
    entries = faq.entries(_org(path.org))
    return shaped(schemas.FaqList(faq=[schemas.faq_entry_of(e) for e in entries]))


@api.get("/organizations/<org>/faq/<id>", tags=[FAQ], responses={200: schemas.FaqEntry})
def get_faq_entry(path: schemas.OrgItemPath) -> Response:
    """Read a frequent question"""
    return shaped(schemas.faq_entry_of(faq.get_entry(_org(path.org), path.id)))


@api.patch(
    "/organizations/<org>/faq/<id>", tags=[FAQ], responses={200: schemas.FaqEntry, **CONFLICT}
)
@writes
def update_faq_entry(path: schemas.OrgItemPath, body: schemas.FaqUpdate) -> Response:
    """Change a frequent question
    Only the fields sent change.
    """
    changes = _given(body)
    entry = faq.update_entry(
        _org(path.org), path.id, changes.get("question"), changes.get("answer")
    )
    return shaped(schemas.faq_entry_of(entry))


@api.delete("/organizations/<org>/faq/<id>", tags=[FAQ], responses=NO_CONTENT)
@writes
def delete_faq_entry(path: schemas.OrgItemPath) -> Response:
    """Delete a frequent question"""
    faq.delete_entry(_org(path.org), path.id)
    return no_content()
