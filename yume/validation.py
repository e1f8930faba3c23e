"""pydantic's validation errors in Spanish, like every other error Yume gives (the API's 422
and the business file's): "price_mxn: debe ser un número", "faq[3].answer: no puede estar
vacío". The field names stay as the API and the file spell them."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

MESSAGES = {
    "missing": "falta este campo",
    "extra_forbidden": "campo desconocido",
    "string_type": "debe ser texto",
    "int_type": "debe ser un número entero",
    "int_parsing": "debe ser un número entero",
    "int_from_float": "debe ser un número entero",
    "float_type": "debe ser un número",
    "float_parsing": "debe ser un número",
    "decimal_type": "debe ser un número",
    "decimal_parsing": "debe ser un número",
    "bool_type": "debe ser true o false",
    "bool_parsing": "debe ser true o false",
    "list_type": "debe ser una lista",
    "dict_type": "debe ser un objeto",
    "model_type": "debe ser un objeto",
    "model_attributes_type": "debe ser un objeto",
    "string_pattern_mismatch": "no tiene el formato esperado",
    "date_type": "debe ser una fecha AAAA-MM-DD",
    "date_parsing": "debe ser una fecha AAAA-MM-DD",
    "date_from_datetime_parsing": "debe ser una fecha AAAA-MM-DD",
    "datetime_type": "debe ser una fecha y hora ISO 8601",
    "datetime_parsing": "debe ser una fecha y hora ISO 8601",
    "finite_number": "debe ser un número finito",
    "json_invalid": "no es JSON válido",
    "none_required": "debe ser null",
}
WITH_LIMITS = {
    "string_too_short": "debe tener al menos {min_length} caracter(es)",
    "string_too_long": "puede tener hasta {max_length} caracteres",
    "too_short": "debe tener al menos {min_length} elemento(s)",
    "too_long": "puede tener hasta {max_length} elementos",
    "greater_than": "debe ser mayor que {gt}",
    "greater_than_equal": "debe ser mayor o igual a {ge}",
    "less_than": "debe ser menor que {lt}",
    "less_than_equal": "debe ser menor o igual a {le}",
    "literal_error": "debe ser uno de: {expected}",
    "enum": "debe ser uno de: {expected}",
    "multiple_of": "debe ser múltiplo de {multiple_of}",
}


def problem(error: dict[str, Any]) -> str:
    """One pydantic error as Spanish words (its `ctx` fills in the limits)."""
    kind = error.get("type", "")
    if kind in MESSAGES:
        return MESSAGES[kind]
    if kind in WITH_LIMITS:
        try:
            return WITH_LIMITS[kind].format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            return "valor fuera de los límites"
    if kind in ("value_error", "assertion_error"):  # our own validators speak Spanish
        return str((error.get("ctx") or {}).get("error") or "valor inválido")
    return f"valor inválido ({kind})"


def location(parts: tuple[Any, ...] | list[Any], brackets: bool = False) -> str:
    """('staff', 1, 'phone') → 'staff.1.phone', or 'staff[1].phone' with brackets."""
    if not brackets:
        return ".".join(str(p) for p in parts) or "body"
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def problems(exc: ValidationError, brackets: bool = False) -> list[str]:
    return [
        f"{location(error['loc'], brackets)}: {problem(dict(error))}"
        for error in exc.errors(include_url=False, include_input=False)
    ]
