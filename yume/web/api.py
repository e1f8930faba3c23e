"""REST API /api/v1: thin views over the domain modules, described by OpenAPI 3.

Request and response shapes live in `yume.schemas`; flask-openapi3 validates requests
against them and builds /api/v1/openapi.json from the same models.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, jsonify, request
from flask_openapi3 import APIBlueprint, Info, Tag
from peewee import OP, SQL, Expression, Field, IntegrityError, NodeList, Value
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from yume import booking, business, schemas
from yume.availability import find_slots
from yume.availability import get_service as get_bookable_service
from yume.db import write_transaction
from yume.errors import Conflict, DomainError, Invalid, NotFound
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    Conversation,
    Customer,
    Location,
    Message,
    Organization,
    ServiceType,
    Staff,
    utcnow,
)
from yume.phones import InvalidPhone, normalize_phone
from yume.timeutil import local_midnight_utc, parse_instant, zone
from yume.validation import problems
from yume.web.auth import api_access
from yume.web.errors import error_response

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
BODY_METHODS = ("POST", "PUT", "PATCH")

API_DESCRIPTION = """\
Set up a business (organization, staff, services, time off), read availability, and
book, reschedule and cancel appointments, as Yume does on WhatsApp.

**Authentication.** Send `Authorization: Bearer <token>` on every call. The admin token
(`YUME_ADMIN_TOKEN`, compared in constant time) reaches every business; a business token
(`python -m yume tokens create --org N`) reaches only its own organization: other
businesses' paths answer 404, and what only the admin may do (creating a business) 403.
Without a token the API answers 401 to everything, except in demo mode, where it is open.

**Errors** are always `{"error": {"code": "...", "message": "..."}}`:
400 `bad_request` (a body that is not JSON), 401 `unauthorized`, 404 `not_found` (also
for unknown paths and for ids that belong to another organization), 405
`method_not_allowed`, 409 when the calendar says no (`slot_unavailable`, `in_the_past`,
`too_soon`, `beyond_horizon`, `outside_hours`, `business_closed`, `staff_cannot_perform`,
`no_staff`, `appointment_not_active`, `conflict`), 422 `validation_error` (the message lists the
fields) or a business rule's code (`invalid`, `invalid_phone`).

**Times** in requests are ISO 8601; without an offset they are the organization's local
time. Times in responses carry the organization's offset. Weekdays: 0 = Monday.
Everything under `/organizations/{org}` is scoped to that organization.
"""

ERROR_RESPONSES: dict[int, type[BaseModel]] = {
    400: schemas.ErrorResponse,
    401: schemas.ErrorResponse,
    403: schemas.ErrorResponse,
    404: schemas.ErrorResponse,
    422: schemas.ErrorResponse,
}
CONFLICT: dict[int, type[BaseModel] | None] = {409: schemas.ErrorResponse}
NO_CONTENT: dict[int, type[BaseModel] | None] = {204: None}

ORGANIZATIONS = Tag(name="organizations", description="A business and its settings.")
STAFF = Tag(name="staff", description="The people who take appointments.")
SERVICES = Tag(name="services", description="What can be booked.")
APPOINTMENTS = Tag(name="appointments", description="Availability and bookings.")
CUSTOMERS = Tag(name="customers", description="People who book.")
CONVERSATIONS = Tag(name="conversations", description="WhatsApp chats.")


def _operation_id(*, name: str, path: str, method: str) -> str:
    """The view's own name, e.g. `create_appointment`."""
    return name


api = APIBlueprint(
    "api",
    __name__,
    url_prefix=API_PREFIX,
    abp_security=[{"bearer": []}],
    abp_responses=ERROR_RESPONSES,
    operation_id_callback=_operation_id,
)


def openapi_options() -> dict[str, Any]:
    """Arguments for flask_openapi3.OpenAPI that make the API document and errors ours."""
    return {
        "info": Info(title="Yume API", version="1.0.0", description=API_DESCRIPTION),
        "security_schemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "YUME_ADMIN_TOKEN, or a business token (one organization).",
            }
        },
        "validation_error_status": 422,
        "validation_error_model": schemas.ErrorResponse,
        "validation_error_callback": validation_error_response,
    }


def register_api(app: Flask) -> None:
    from yume.web import signup_api  # noqa: F401  (issue 10: its routes join this blueprint)

    _reflow_descriptions(api.paths)
    app.register_api(api)  # type: ignore[attr-defined]
    app.register_error_handler(404, _routing_error)
    app.register_error_handler(405, _routing_error)


def _reflow_descriptions(paths: dict[str, Any]) -> None:
    """flask-openapi3 turns each docstring line break into <br/>; ours are wrapped prose."""
    for item in paths.values():
        for method in ("get", "post", "patch", "delete"):
            operation = getattr(item, method)
            if operation is not None and operation.description:
                operation.description = operation.description.replace("<br/>", " ")


# -- answers --------------------------------------------------------------------------------


def shaped(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


def no_content() -> Response:
    return Response(status=204)


def validation_error_response(exc: ValidationError) -> Response:
    """422 naming each field pydantic refused (flask-openapi3's validation callback)."""
    return error_response(
        422, "validation_error", "Solicitud inválida: " + "; ".join(problems(exc))
    )


HTTP_MESSAGES = {  # Werkzeug's own words are English; the API speaks Spanish
    400: "Solicitud incorrecta.",
    404: "No existe esa ruta.",
    405: "Esa ruta no acepta este método.",
    413: "El cuerpo de la solicitud es demasiado grande.",
    415: "Tipo de contenido no soportado.",
}


def _http_error(exc: HTTPException) -> Response:
    code = (exc.name or "error").lower().replace(" ", "_")
    message = HTTP_MESSAGES.get(exc.code or 500, "Algo salió mal; intenta de nuevo.")
    response = error_response(exc.code or 500, code, message)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _routing_error(exc: HTTPException) -> Response | HTTPException:
    """Unknown paths and methods under /api/v1 answer JSON; elsewhere Flask's own page."""
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        return _http_error(exc)
    return exc


@api.errorhandler(HTTPException)
def _api_http_error(exc: HTTPException) -> Response:
    return _http_error(exc)


@api.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    if isinstance(exc, NotFound):
        return error_response(404, exc.code, exc.message)
    if isinstance(exc, Conflict):
        return error_response(409, exc.code, exc.message)
    return error_response(422, exc.code, exc.message)


@api.errorhandler(InvalidPhone)
def _invalid_phone(exc: InvalidPhone) -> Response:
    return error_response(422, "invalid_phone", str(exc))


@api.errorhandler(IntegrityError)
def _integrity_error(exc: IntegrityError) -> Response:
    # The domain checks first; this is the other request that won a race.
    log.info("api.integrity-error %s", exc)
    return error_response(
        409, "conflict", "Ese cambio choca con otro que se hizo al mismo tiempo; intenta de nuevo."
    )


# -- authentication and bodies --------------------------------------------------------------


@api.before_request
def _authenticate() -> Response | None:
    """The admin token reaches everything; a business token only its own organization."""
    access = api_access(current_app.config["YUME"])
    if access is not None:
        return access.refusal()
    response = error_response(
        401,
        "unauthorized",
        "Envía Authorization: Bearer <YUME_ADMIN_TOKEN o un token del negocio>.",
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="yume"'
    return response


@api.before_request
def _check_json_body() -> Response | None:
    """A body that is present must be a JSON object; an absent one is left to the models."""
    if request.method not in BODY_METHODS:
        return None
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    if not request.is_json:
        return error_response(400, "bad_request", "Envía JSON con Content-Type: application/json.")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return error_response(400, "bad_request", "El cuerpo no es JSON válido.")
    if not isinstance(value, dict):
        return error_response(
            422, "validation_error", "Solicitud inválida: body: debe ser un objeto"
        )
    return None


# -- helpers --------------------------------------------------------------------------------


def writes(view: Callable[..., Response]) -> Callable[..., Response]:
    """Run a view that changes data in one write transaction (BEGIN IMMEDIATE on SQLite).

    Without it, a transaction that reads before it writes cannot wait for a concurrent
    writer on SQLite and fails at once with "database is locked"; with it, a refused
    booking also takes back the customer it created.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        with write_transaction():
            return view(*args, **kwargs)

    return wrapper


def _org(org_id: int) -> Organization:
    return business.get_organization(org_id)


def _tz(org: Organization) -> ZoneInfo:
    return zone(org.timezone)


def _instant(value: str, tz: ZoneInfo) -> dt.datetime:
    try:
        return parse_instant(value, tz)
    except (ValueError, OverflowError):
        raise Invalid(f"fecha y hora inválida: {value}") from None


def _given(body: BaseModel, clearable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Fields the client sent; null counts only where it clears something."""
    return {
        name: getattr(body, name)
        for name in body.model_fields_set
        if getattr(body, name) is not None or name in clearable
    }


def _week(intervals: list[schemas.Interval]) -> list[business.WeeklyInterval]:
    return business.parse_week(i.model_dump() for i in intervals)


def _contains(field: Field, needle: str) -> Expression:
    """Case-insensitive substring match with LIKE's wildcards taken literally."""
    escaped = needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return Expression(field, OP.ILIKE, NodeList((Value(f"%{escaped}%"), SQL("ESCAPE '!'"))))


# -- organizations --------------------------------------------------------------------------


def _organization(org: Organization) -> schemas.Organization:
    location = Location.get_or_none(Location.organization == org)
    address = location.address if location else ""
    return schemas.organization_of(org, address, business.opening_week(org))


@api.post(
    "/organizations",
    tags=[ORGANIZATIONS],
    responses={201: schemas.Organization, **CONFLICT},
)
@writes
def create_organization(body: schemas.OrganizationCreate) -> Response:
    """Create an organization
    `address` and `opening_hours` are optional extensions. The access token is write-only:
    answers only say `has_whatsapp_access_token`. 409 `conflict` when the WhatsApp phone
    number id already belongs to another organization.
    """
    org = business.create_organization(
        name=body.name,
        whatsapp_phone_number_id=body.whatsapp_phone_number_id,
        timezone=body.timezone,
        whatsapp_access_token=body.whatsapp_access_token,
        settings=body.settings.model_dump(exclude_none=True) if body.settings else None,
        address=body.address,
        opening_hours=_week(body.opening_hours),
    )
    return shaped(_organization(org), 201)


@api.get("/organizations/<org>", tags=[ORGANIZATIONS], responses={200: schemas.Organization})
def get_organization(path: schemas.OrgPath) -> Response:
    """Read an organization
    `settings` are the effective settings, the organization's own over the defaults.
    """
    return shaped(_organization(_org(path.org)))


@api.patch(
    "/organizations/<org>",
    tags=[ORGANIZATIONS],
    responses={200: schemas.Organization, **CONFLICT},
)
@writes
def update_organization(path: schemas.OrgPath, body: schemas.OrganizationUpdate) -> Response:
    """Change an organization
    Only the fields sent change; `settings` are merged into the current ones and
    `opening_hours` replace the old week. null clears `whatsapp_phone_number_id`,
    `whatsapp_access_token` and `address`.
    """
    org = _org(path.org)
    changes = _given(
        body, frozenset({"whatsapp_phone_number_id", "whatsapp_access_token", "address"})
    )
    if body.settings is not None:
        changes["settings"] = body.settings.model_dump(exclude_none=True)
    if body.opening_hours is not None:
        changes["opening_hours"] = _week(body.opening_hours)
    business.update_organization(org, changes)
    return shaped(_organization(org))


# -- staff ----------------------------------------------------------------------------------


def _staff(staff: Staff) -> schemas.Staff:
    return schemas.staff_of(
        staff,
        business.staff_schedule(staff),
        business.staff_service_ids(staff),
        business.staff_morning_agenda(staff),
    )


@api.post(
    "/organizations/<org>/staff",
    tags=[STAFF],
    responses={201: schemas.Staff, **CONFLICT},
)
@writes
def create_staff(path: schemas.OrgPath, body: schemas.StaffCreate) -> Response:
    """Add a staff member
    `schedule` is their working week; `service_ids` absent (or null) means every service,
    including ones added later. `morning_agenda` true sends them the day's agenda at
    `morning_agenda_hour` (null = the business's `morning_agenda_hour` setting). 409
    `conflict` when the phone already belongs to someone on the team.
    """
    staff = business.add_staff(
        _org(path.org),
        name=body.name,
        phone=body.phone,
        role=body.role,
        schedule=_week(body.schedule),
        service_ids=body.service_ids,
        morning_agenda=body.morning_agenda,
        morning_agenda_hour=body.morning_agenda_hour,
    )
    return shaped(_staff(staff), 201)


@api.get("/organizations/<org>/staff", tags=[STAFF], responses={200: schemas.StaffList})
def list_staff(path: schemas.OrgPath) -> Response:
    """List the active staff"""
    org = _org(path.org)
    members = Staff.select().where((Staff.organization == org) & Staff.active).order_by(Staff.id)
    return shaped(schemas.StaffList(staff=[_staff(member) for member in members]))


@api.get("/organizations/<org>/staff/<id>", tags=[STAFF], responses={200: schemas.Staff})
def get_staff(path: schemas.OrgItemPath) -> Response:
    """Read a staff member"""
    return shaped(_staff(business.get_staff(_org(path.org), path.id)))


@api.patch(
    "/organizations/<org>/staff/<id>",
    tags=[STAFF],
    responses={200: schemas.Staff, **CONFLICT},
)
@writes
def update_staff(path: schemas.OrgItemPath, body: schemas.StaffUpdate) -> Response:
    """Change a staff member
    Only the fields sent change; `schedule` replaces the whole week and `service_ids`
    replaces the list (null = every service); `morning_agenda_hour` null goes back to the
    business's `morning_agenda_hour` setting.
    """
    staff = business.get_staff(_org(path.org), path.id)
    changes = _given(body, frozenset({"service_ids", "morning_agenda_hour"}))
    if body.schedule is not None:
        changes["schedule"] = _week(body.schedule)
    business.update_staff(staff, changes)
    return shaped(_staff(staff))


@api.delete(
    "/organizations/<org>/staff/<id>",
    tags=[STAFF],
    responses=NO_CONTENT,
)
@writes
def delete_staff(path: schemas.OrgItemPath) -> Response:
    """Delete a staff member
    A soft delete (`active` false): they are no longer offered and answer 404 from then
    on; their appointments stay.
    """
    business.deactivate_staff(business.get_staff(_org(path.org), path.id))
    return no_content()


@api.post(
    "/organizations/<org>/staff/<id>/time-off",
    tags=[STAFF],
    responses={201: schemas.TimeOff, **CONFLICT},
)
@writes
def create_time_off(path: schemas.OrgItemPath, body: schemas.TimeOffCreate) -> Response:
    """Block time for a staff member
    Nobody can book them between `start` and `end`; times without an offset are the
    organization's local time.
    """
    org = _org(path.org)
    staff = business.get_staff(org, path.id)
    tz = _tz(org)
    row = business.add_time_off(
        staff, _instant(body.start, tz), _instant(body.end, tz), reason=body.reason
    )
    return shaped(schemas.time_off_of(row, tz), 201)


# -- services -------------------------------------------------------------------------------


def _active_service(org: Organization, service_id: int) -> ServiceType:
    service = business.get_service_any(org, service_id)
    if not service.active:
        raise NotFound(f"No existe el servicio {service_id}.")
    return service


@api.post(
    "/organizations/<org>/services",
    tags=[SERVICES],
    responses={201: schemas.Service, **CONFLICT},
)
@writes
def create_service(path: schemas.OrgPath, body: schemas.ServiceCreate) -> Response:
    """Add a service"""
    service = business.add_service(
        _org(path.org),
        name=body.name,
        duration_minutes=body.duration_minutes,
        price_mxn=body.price_mxn,
        buffer_minutes=body.buffer_minutes,
    )
    return shaped(schemas.service_of(service), 201)


@api.get("/organizations/<org>/services", tags=[SERVICES], responses={200: schemas.ServiceList})
def list_services(path: schemas.OrgPath) -> Response:
    """List the active services"""
    org = _org(path.org)
    services = (
        ServiceType.select()
        .where((ServiceType.organization == org) & ServiceType.active)
        .order_by(ServiceType.id)
    )
    return shaped(schemas.ServiceList(services=[schemas.service_of(s) for s in services]))


@api.get("/organizations/<org>/services/<id>", tags=[SERVICES], responses={200: schemas.Service})
def get_service(path: schemas.OrgItemPath) -> Response:
    """Read a service"""
    return shaped(schemas.service_of(_active_service(_org(path.org), path.id)))


@api.patch(
    "/organizations/<org>/services/<id>",
    tags=[SERVICES],
    responses={200: schemas.Service, **CONFLICT},
)
@writes
def update_service(path: schemas.OrgItemPath, body: schemas.ServiceUpdate) -> Response:
    """Change a service
    Only the fields sent change.
    """
    service = _active_service(_org(path.org), path.id)
    return shaped(schemas.service_of(business.update_service(service, _given(body))))


@api.delete("/organizations/<org>/services/<id>", tags=[SERVICES], responses=NO_CONTENT)
@writes
def delete_service(path: schemas.OrgItemPath) -> Response:
    """Delete a service
    A soft delete: it can no longer be booked and, like a deleted staff member, answers
    404 from then on; appointments that used it keep their `service_id`.
    """
    service = _active_service(_org(path.org), path.id)
    business.update_service(service, {"active": False})
    return no_content()


# -- availability and appointments ----------------------------------------------------------


@api.get(
    "/organizations/<org>/availability", tags=[APPOINTMENTS], responses={200: schemas.SlotList}
)
def get_availability(path: schemas.OrgPath, query: schemas.AvailabilityQuery) -> Response:
    """Open slots for a service on a local day
    A day in the past or beyond the booking horizon simply has no slots. 404
    `unknown_service` / `unknown_staff` for a service or staff member this organization
    does not have.
    """
    org = _org(path.org)
    day = dt.date.fromisoformat(query.date)
    slots = find_slots(org, query.service_id, day, utcnow(), query.staff_id)
    tz = _tz(org)
    return shaped(schemas.SlotList(slots=[schemas.slot_of(slot, tz) for slot in slots]))


@api.post(
    "/organizations/<org>/appointments",
    tags=[APPOINTMENTS],
    responses={201: schemas.Appointment, **CONFLICT},
)
@writes
def create_appointment(path: schemas.OrgPath, body: schemas.AppointmentCreate) -> Response:
    """Book an appointment
    The customer is found by phone or created. Without `staff_id` the first free staff
    member who performs the service takes it. 409 `slot_unavailable` when the time is
    taken, or another booking refusal (`outside_hours`, `in_the_past`, `too_soon`,
    `beyond_horizon`, `staff_cannot_perform`, `no_staff`, `too_many_appointments` when the
    customer already holds `max_active_appointments` upcoming ones).
    """
    org = _org(path.org)
    get_bookable_service(org, body.service_id)  # 404 before anyone is created
    start = _instant(body.start, _tz(org))
    customer = booking.get_or_create_customer(org, body.customer.phone, body.customer.name)
    appointment = booking.book_appointment(
        org, body.service_id, start, customer, staff_id=body.staff_id, source="api"
    )
    return shaped(schemas.appointment_of(appointment, _tz(org)), 201)


@api.get(
    "/organizations/<org>/appointments",
    tags=[APPOINTMENTS],
    responses={200: schemas.AppointmentList},
)
def list_appointments(path: schemas.OrgPath, query: schemas.AppointmentQuery) -> Response:
    """List appointments
    Filters combine; `date` is a local day of the organization. Ordered by start.
    """
    org = _org(path.org)
    tz = _tz(org)
    rows = Appointment.select().where(Appointment.organization == org)
    if query.date is not None:
        day = dt.date.fromisoformat(query.date)
        rows = rows.where(
            (Appointment.start_at >= local_midnight_utc(day, tz))
            & (Appointment.start_at < local_midnight_utc(day + dt.timedelta(days=1), tz))
        )
    if query.staff_id is not None:
        rows = rows.where(Appointment.staff == query.staff_id)
    if query.customer_id is not None:
        rows = rows.where(Appointment.customer == query.customer_id)
    if query.status is not None:
        rows = rows.where(Appointment.status == query.status)
    rows = rows.order_by(Appointment.start_at, Appointment.id)
    return shaped(
        schemas.AppointmentList(appointments=[schemas.appointment_of(row, tz) for row in rows])
    )


@api.get(
    "/organizations/<org>/appointments/<id>",
    tags=[APPOINTMENTS],
    responses={200: schemas.Appointment},
)
def get_appointment(path: schemas.OrgItemPath) -> Response:
    """Read an appointment"""
    org = _org(path.org)
    return shaped(schemas.appointment_of(booking.get_appointment(org, path.id), _tz(org)))


def _set_status(appointment: Appointment, status: str) -> Appointment:
    if appointment.status == status:
        return appointment
    if appointment.status not in ACTIVE_STATUSES:
        raise Conflict("Esa cita ya no está activa.", "appointment_not_active")
    appointment.status = status
    appointment.updated_at = utcnow()
    appointment.save()
    return appointment


@api.patch(
    "/organizations/<org>/appointments/<id>",
    tags=[APPOINTMENTS],
    responses={200: schemas.Appointment, **CONFLICT},
)
@writes
def update_appointment(path: schemas.OrgItemPath, body: schemas.AppointmentUpdate) -> Response:
    """Reschedule an appointment or record what happened
    `start` and/or `staff_id` reschedule (the appointment is `booked` again; 409
    `slot_unavailable` and the other refusals as when booking). `status` may be set to
    `confirmed`, `completed` or `no_show` on an active appointment (409
    `appointment_not_active` otherwise); cancel with POST …/cancel.
    """
    org = _org(path.org)
    tz = _tz(org)
    appointment = booking.get_appointment(org, path.id)
    if body.start is not None or body.staff_id is not None:
        start = _instant(body.start, tz) if body.start is not None else None
        appointment = booking.reschedule_appointment(
            org, appointment.id, start=start, staff_id=body.staff_id
        )
    if body.status is not None:
        appointment = _set_status(appointment, body.status)
    return shaped(schemas.appointment_of(appointment, tz))


@api.post(
    "/organizations/<org>/appointments/<id>/cancel",
    tags=[APPOINTMENTS],
    responses={200: schemas.Appointment, **CONFLICT},
)
@writes
def cancel_appointment(path: schemas.OrgItemPath, body: schemas.AppointmentCancel) -> Response:
    """Cancel an appointment
    The body (`reason`) may be omitted. Cancelling twice is harmless; 409
    `appointment_not_active` for a completed or no-show appointment.
    """
    org = _org(path.org)
    appointment = booking.cancel_appointment(org, path.id, reason=body.reason)
    return shaped(schemas.appointment_of(appointment, _tz(org)))


# -- customers and conversations ------------------------------------------------------------


@api.get("/organizations/<org>/customers", tags=[CUSTOMERS], responses={200: schemas.CustomerList})
def list_customers(path: schemas.OrgPath, query: schemas.CustomerQuery) -> Response:
    """Find customers
    `phone` matches exactly after normalising (an unreadable phone matches nobody); `q`
    matches part of the name or phone, ignoring case.
    """
    org = _org(path.org)
    rows = Customer.select().where(Customer.organization == org)
    if query.phone is not None:
        try:
            rows = rows.where(Customer.phone == normalize_phone(query.phone))
        except InvalidPhone:
            return shaped(schemas.CustomerList(customers=[]))
    if query.q:
        rows = rows.where(_contains(Customer.name, query.q) | _contains(Customer.phone, query.q))
    rows = rows.order_by(Customer.id)
    return shaped(schemas.CustomerList(customers=[schemas.customer_of(row) for row in rows]))


@api.get(
    "/organizations/<org>/customers/<id>",
    tags=[CUSTOMERS],
    responses={200: schemas.CustomerDetail},
)
def get_customer(path: schemas.OrgItemPath) -> Response:
    """Read a customer with their appointments
    `appointments` is the whole history, newest first.
    """
    org = _org(path.org)
    customer = Customer.get_or_none((Customer.id == path.id) & (Customer.organization == org))
    if customer is None:
        raise NotFound(f"No existe el cliente {path.id}.")
    history = (
        Appointment.select()
        .where(Appointment.customer == customer)
        .order_by(Appointment.start_at.desc(), Appointment.id.desc())
    )
    tz = _tz(org)
    detail = schemas.CustomerDetail(
        **schemas.customer_of(customer).model_dump(),
        appointments=[schemas.appointment_of(row, tz) for row in history],
    )
    return shaped(detail)


@api.get(
    "/organizations/<org>/conversations/<id>/messages",
    tags=[CONVERSATIONS],
    responses={200: schemas.MessageList},
)
def list_messages(path: schemas.OrgItemPath) -> Response:
    """Messages of a conversation, oldest first"""
    org = _org(path.org)
    conversation = Conversation.get_or_none(
        (Conversation.id == path.id) & (Conversation.organization == org)
    )
    if conversation is None:
        raise NotFound(f"No existe la conversación {path.id}.")
    rows = (
        Message.select()
        .where(Message.conversation == conversation)
        .order_by(Message.created_at, Message.id)
    )
    tz = _tz(org)
    return shaped(schemas.MessageList(messages=[schemas.message_of(row, tz) for row in rows]))


# Routes of their own modules, on this blueprint (issue 12: the business's FAQ).
from yume.web import faq_api  # noqa: E402, F401
