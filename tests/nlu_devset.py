"""The development set for Yume's Spanish understanding: how Mexican customers write days,
times and services, with what each phrase means under booking semantics.

Booking semantics: always today or later ("el lunes" on a Wednesday is next Monday, "el
10" on the 13th is next month's); an hour without AM/PM is the one the business is open
("a las 4" in a salon open 10–20 is 16:00). Parts of the day are windows: morning
00:00–12:00, afternoon from the business's afternoon (1:00 PM, or its reopening after a
midday break) to 19:00, evening 19:00–24:00; "al rato" is from an hour from
now, "ahorita" from now and as soon as possible.

Each case is (reference, text, expected). The expected value is written compactly:
"2027-01-14" a date, "16:00" an exact time, "13:00-19:00" a window, "days=7" a span of
days, "asap", or "none" when the text names no day and no time. Service cases expect the
names of the matching services of `CATALOGUE`, "|"-separated when several fit equally.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MON_SAT_10_20 = {day: [(600, 1200)] for day in range(6)}
MON_SAT_9_21_SUN_10_15 = {**{day: [(540, 1260)] for day in range(6)}, 6: [(600, 900)]}
TUE_SUN_12_22 = {day: [(720, 1320)] for day in range(1, 7)}


@dataclass(frozen=True)
class Reference:
    now: datetime  # local wall time in America/Mexico_City
    hours: dict[int, list[tuple[int, int]]]  # weekday → [(start_minute, end_minute)]
    timezone: str = "America/Mexico_City"


REFERENCES = {
    # Wednesday morning before opening, a salon open Monday to Saturday 10–20.
    "wed": Reference(datetime(2027, 1, 13, 9, 10), MON_SAT_10_20),
    # Friday afternoon, a barbershop open 9–21 and Sunday 10–15.
    "fri": Reference(datetime(2027, 1, 15, 17, 30), MON_SAT_9_21_SUN_10_15),
    # The last Saturday of January, a nail bar open Tuesday to Sunday 12–22.
    "sat": Reference(datetime(2027, 1, 30, 11, 0), TUE_SUN_12_22),
    # Between Christmas and New Year, the salon again.
    "dec": Reference(datetime(2027, 12, 28, 10, 0), MON_SAT_10_20),
}

CATALOGUE = [
    "Corte de cabello",
    "Corte de dama",
    "Arreglo de barba",
    "Corte y barba",
    "Manicure",
    "Pedicure",
    "Uñas acrílicas",
    "Tinte",
    "Keratina",
    "Diseño de cejas",
    "Peinado",
    "Maquillaje",
]

RELATIVE_DAY = [
    ("wed", "hoy", "2027-01-13"),
    ("wed", "Hoy", "2027-01-13"),
    ("wed", "para hoy", "2027-01-13"),
    ("wed", "hoy mismo", "2027-01-13"),
    ("wed", "mañana", "2027-01-14"),
    ("wed", "Mañana!", "2027-01-14"),
    ("wed", "para mañana", "2027-01-14"),
    ("wed", "manana", "2027-01-14"),
    ("wed", "mñana", "2027-01-14"),
    ("wed", "pasado mañana", "2027-01-15"),
    ("wed", "pasado manana", "2027-01-15"),
    ("wed", "pasado de mañana", "2027-01-15"),
    ("fri", "hoy", "2027-01-15"),
    ("fri", "mañana", "2027-01-16"),
    ("fri", "pasado mañana", "2027-01-17"),
    ("sat", "mañana", "2027-01-31"),
    ("sat", "pasado mañana", "2027-02-01"),
    ("dec", "mañana", "2027-12-29"),
    ("dec", "pasado mañana", "2027-12-30"),
    ("wed", "en 3 días", "2027-01-16"),
    ("wed", "dentro de una semana", "2027-01-20"),
    ("wed", "de hoy en ocho", "2027-01-20"),
    ("fri", "en dos días", "2027-01-17"),
    ("wed", "la próxima semana", "2027-01-18 days=7"),
    ("wed", "la semana que viene", "2027-01-18 days=7"),
    ("fri", "la otra semana", "2027-01-18 days=7"),
    ("wed", "el fin de semana", "2027-01-16 days=2"),
    ("wed", "este fin", "2027-01-16 days=2"),
    ("fri", "el finde", "2027-01-16 days=2"),
]

WEEKDAY = [
    ("wed", "el lunes", "2027-01-18"),
    ("wed", "lunes", "2027-01-18"),
    ("wed", "el martes", "2027-01-19"),
    ("wed", "el miércoles", "2027-01-20"),
    ("wed", "este miércoles", "2027-01-13"),
    ("wed", "el jueves", "2027-01-14"),
    ("wed", "este jueves", "2027-01-14"),
    ("wed", "el viernes", "2027-01-15"),
    ("wed", "viernes", "2027-01-15"),
    ("wed", "el próximo viernes", "2027-01-15"),
    ("wed", "el viernes que viene", "2027-01-15"),
    ("wed", "el sábado", "2027-01-16"),
    ("wed", "sabado", "2027-01-16"),
    ("wed", "el domingo", "2027-01-17"),
    ("wed", "el otro lunes", "2027-01-25"),
    ("wed", "el viernes de la próxima semana", "2027-01-22"),
    ("wed", "el lunes de la próxima semana", "2027-01-18"),
    ("wed", "el jueves de la semana que viene", "2027-01-21"),
    ("fri", "el lunes", "2027-01-18"),
    ("fri", "el viernes", "2027-01-22"),
    ("fri", "este viernes", "2027-01-15"),
    ("fri", "el sábado", "2027-01-16"),
    ("fri", "el próximo sábado", "2027-01-16"),
    ("fri", "el jueves", "2027-01-21"),
    ("sat", "el domingo", "2027-01-31"),
    ("sat", "el martes", "2027-02-02"),
    ("sat", "el sábado", "2027-02-06"),
    ("sat", "este sábado", "2027-01-30"),
    ("sat", "el miércoles", "2027-02-03"),
    ("dec", "el viernes", "2027-12-31"),
    ("dec", "el lunes", "2028-01-03"),
    ("dec", "el sábado", "2028-01-01"),
    ("wed", "el Miércoles", "2027-01-20"),
    ("wed", "para el martes", "2027-01-19"),
    ("wed", "mejor el viernes", "2027-01-15"),
    ("wed", "puede ser el lunes?", "2027-01-18"),
]

DAY_OF_MONTH = [
    ("wed", "el 15", "2027-01-15"),
    ("wed", "el 13", "2027-01-13"),
    ("wed", "el 20", "2027-01-20"),
    ("wed", "el 10", "2027-02-10"),
    ("wed", "el día 22", "2027-01-22"),
    ("wed", "para el 28", "2027-01-28"),
    ("wed", "el 31", "2027-01-31"),
    ("wed", "el 1", "2027-02-01"),
    ("wed", "el primero", "2027-02-01"),
    ("wed", "15 de enero", "2027-01-15"),
    ("wed", "el 15 de enero", "2027-01-15"),
    ("wed", "el 2 de febrero", "2027-02-02"),
    ("wed", "el 1 de febrero", "2027-02-01"),
    ("wed", "el primero de febrero", "2027-02-01"),
    ("wed", "14 de febrero", "2027-02-14"),
    ("wed", "el 10 de enero", "2028-01-10"),
    ("wed", "el 3 de marzo", "2027-03-03"),
    ("wed", "febrero 5", "2027-02-05"),
    ("wed", "15/01", "2027-01-15"),
    ("wed", "20/1", "2027-01-20"),
    ("wed", "5/2", "2027-02-05"),
    ("wed", "el viernes 15", "2027-01-15"),
    ("wed", "el martes 19", "2027-01-19"),
    ("wed", "el sábado 16 de enero", "2027-01-16"),
    ("sat", "el 2", "2027-02-02"),
    ("sat", "el 30", "2027-01-30"),
    ("sat", "el 31", "2027-01-31"),
    ("sat", "el 15", "2027-02-15"),
    ("sat", "15 de enero", "2028-01-15"),
    ("sat", "el 29", "2027-03-29"),
    ("dec", "el 3 de enero", "2028-01-03"),
    ("dec", "el 5", "2028-01-05"),
    ("dec", "el 30", "2027-12-30"),
    ("dec", "el 31 de diciembre", "2027-12-31"),
    ("dec", "2 de enero", "2028-01-02"),
    ("wed", "el 18 de feb", "2027-02-18"),
]

CLOCK_TIME = [
    ("wed", "a las 4", "16:00"),
    ("wed", "a las 5", "17:00"),
    ("wed", "a las 11", "11:00"),
    ("wed", "a las 10", "10:00"),
    ("wed", "a las 12", "12:00"),
    ("wed", "a la 1", "13:00"),
    ("wed", "a la una", "13:00"),
    ("wed", "a las cuatro", "16:00"),
    ("wed", "a las seis", "18:00"),
    ("wed", "a las 7", "19:00"),
    ("wed", "a las 9", "09:00"),
    ("wed", "4:30", "16:30"),
    ("wed", "a las 4:30", "16:30"),
    ("wed", "10:45", "10:45"),
    ("wed", "5:15", "17:15"),
    ("wed", "4.30", "16:30"),
    ("wed", "4 pm", "16:00"),
    ("wed", "4pm", "16:00"),
    ("wed", "4 p.m.", "16:00"),
    ("wed", "4:30 pm", "16:30"),
    ("wed", "11 am", "11:00"),
    ("wed", "11 a.m.", "11:00"),
    ("wed", "16:00", "16:00"),
    ("wed", "16 hrs", "16:00"),
    ("wed", "a las 17 hrs", "17:00"),
    ("wed", "a las 18:30", "18:30"),
    ("wed", "a las 10 de la mañana", "10:00"),
    ("wed", "a las 3 de la tarde", "15:00"),
    ("wed", "a las 7 de la noche", "19:00"),
    ("wed", "a las 12 del día", "12:00"),
    ("wed", "a las 5 en punto", "17:00"),
    ("wed", "las 4", "16:00"),
    ("wed", "4", "16:00"),
    ("wed", "15", "15:00"),
    ("fri", "a las 8", "20:00"),
    ("fri", "a las 9", "09:00"),
    ("fri", "a las 10", "10:00"),
    ("fri", "a las 6", "18:00"),
    ("sat", "a las 9", "21:00"),
    ("sat", "a las 7", "19:00"),
    ("sat", "a las 12", "12:00"),
    ("sat", "a las 1", "13:00"),
    ("sat", "a las 10", "10:00"),
    ("dec", "a las 2", "14:00"),
]

COLLOQUIAL_TIME = [
    ("wed", "4 y media", "16:30"),
    ("wed", "a las 4 y media", "16:30"),
    ("wed", "a las cuatro y media", "16:30"),
    ("wed", "5 y cuarto", "17:15"),
    ("wed", "a las 11 y cuarto", "11:15"),
    ("wed", "a las 3 y 10", "15:10"),
    ("wed", "a las 3 y veinte", "15:20"),
    ("wed", "a las 4 y cuarenta y cinco", "16:45"),
    ("wed", "cuarto para las 5", "16:45"),
    ("wed", "un cuarto para las 5", "16:45"),
    ("wed", "cuarto para las 12", "11:45"),
    ("wed", "cuarto para la 1", "12:45"),
    ("wed", "10 para las 6", "17:50"),
    ("wed", "veinte para las 6", "17:40"),
    ("wed", "5 menos cuarto", "16:45"),
    ("wed", "las 5 menos 10", "16:50"),
    ("wed", "mediodía", "12:00"),
    ("wed", "a mediodía", "12:00"),
    ("wed", "al medio día", "12:00"),
    ("wed", "como a las 5", "17:00"),
    ("wed", "tipo 4", "16:00"),
    ("wed", "a eso de las 6", "18:00"),
    ("wed", "por ahí de las 3", "15:00"),
    ("wed", "x las 4", "16:00"),
    ("wed", "a las 4 y media de la tarde", "16:30"),
    ("wed", "al rato", "2027-01-13 10:10-24:00"),
    ("wed", "más tarde", "2027-01-13 10:10-24:00"),
    ("wed", "ahorita", "2027-01-13 09:10-24:00 asap"),
    ("wed", "lo antes posible", "2027-01-13 09:10-24:00 asap"),
    ("wed", "lo más pronto", "2027-01-13 09:10-24:00 asap"),
    ("fri", "ahorita", "2027-01-15 17:30-24:00 asap"),
    ("fri", "al rato", "2027-01-15 18:30-24:00"),
    ("wed", "temprano", "00:00-12:00"),
    ("wed", "tempranito", "00:00-12:00"),
    ("wed", "a primera hora", "00:00-12:00"),
]

PART_OF_DAY = [
    ("wed", "en la mañana", "00:00-12:00"),
    ("wed", "por la mañana", "00:00-12:00"),
    ("wed", "en las mañanas", "00:00-12:00"),
    ("wed", "en la tarde", "13:00-19:00"),
    ("wed", "por la tarde", "13:00-19:00"),
    ("wed", "en las tardes", "13:00-19:00"),
    ("wed", "tarde", "13:00-19:00"),
    ("wed", "en la noche", "19:00-24:00"),
    ("wed", "por la noche", "19:00-24:00"),
    ("wed", "noche", "19:00-24:00"),
    ("wed", "después de comer", "13:00-19:00"),
    ("wed", "esta tarde", "2027-01-13 13:00-19:00"),
    ("wed", "esta noche", "2027-01-13 19:00-24:00"),
    ("wed", "hoy en la tarde", "2027-01-13 13:00-19:00"),
    ("wed", "en la tardecita", "13:00-19:00"),
]

RANGE = [
    ("wed", "después de las 6", "18:00-24:00"),
    ("wed", "despues de las 5", "17:00-24:00"),
    ("wed", "después de la 1", "13:00-24:00"),
    ("wed", "a partir de las 4", "16:00-24:00"),
    ("wed", "desde las 3", "15:00-24:00"),
    ("wed", "de las 4 en adelante", "16:00-24:00"),
    ("wed", "antes de las 2", "00:00-14:00"),
    ("wed", "antes de las 12", "00:00-12:00"),
    ("wed", "antes de mediodía", "00:00-12:00"),
    ("wed", "de 3 a 5", "15:00-17:00"),
    ("wed", "entre 3 y 5", "15:00-17:00"),
    ("wed", "entre 11 y 1", "11:00-13:00"),
    ("wed", "de 10 a 12", "10:00-12:00"),
    ("wed", "de 3 a 5 de la tarde", "15:00-17:00"),
    ("fri", "después de las 7", "19:00-24:00"),
    ("sat", "después de las 8", "20:00-24:00"),
]

COMBINED = [
    ("wed", "mañana a las 4", "2027-01-14 16:00"),
    ("wed", "mañana a las 4:30", "2027-01-14 16:30"),
    ("wed", "mañana en la tarde", "2027-01-14 13:00-19:00"),
    ("wed", "mañana en la mañana", "2027-01-14 00:00-12:00"),
    ("wed", "mañana por la mañana", "2027-01-14 00:00-12:00"),
    ("wed", "mañana temprano", "2027-01-14 00:00-12:00"),
    ("wed", "mañana tempranito", "2027-01-14 00:00-12:00"),
    ("wed", "mañana en la noche", "2027-01-14 19:00-24:00"),
    ("wed", "mañana a mediodía", "2027-01-14 12:00"),
    ("wed", "mañana después de las 6", "2027-01-14 18:00-24:00"),
    ("wed", "hoy a las 5", "2027-01-13 17:00"),
    ("wed", "hoy después de las 6", "2027-01-13 18:00-24:00"),
    ("wed", "hoy en la noche", "2027-01-13 19:00-24:00"),
    ("wed", "pasado mañana a las 11", "2027-01-15 11:00"),
    ("wed", "pasado mañana temprano", "2027-01-15 00:00-12:00"),
    ("wed", "el viernes a las 4", "2027-01-15 16:00"),
    ("wed", "el viernes en la tarde", "2027-01-15 13:00-19:00"),
    ("wed", "el viernes 15 a las 11", "2027-01-15 11:00"),
    ("wed", "el sábado a las 10:30", "2027-01-16 10:30"),
    ("wed", "el sábado temprano", "2027-01-16 00:00-12:00"),
    ("wed", "el lunes a las 5 y media", "2027-01-18 17:30"),
    ("wed", "el lunes como a las 4", "2027-01-18 16:00"),
    ("wed", "el martes a mediodía", "2027-01-19 12:00"),
    ("wed", "el jueves cuarto para las 5", "2027-01-14 16:45"),
    ("wed", "el próximo martes a las 3", "2027-01-19 15:00"),
    ("wed", "el 15 a las 11", "2027-01-15 11:00"),
    ("wed", "el 20 a las 12", "2027-01-20 12:00"),
    ("wed", "el 20 de enero a las 6 pm", "2027-01-20 18:00"),
    ("wed", "15 de enero a las 4:30", "2027-01-15 16:30"),
    ("wed", "el 2 de febrero en la mañana", "2027-02-02 00:00-12:00"),
    ("wed", "el viernes entre 3 y 5", "2027-01-15 15:00-17:00"),
    ("wed", "el viernes de 3 a 5", "2027-01-15 15:00-17:00"),
    ("wed", "el jueves antes de las 2", "2027-01-14 00:00-14:00"),
    ("wed", "quiero un corte mañana en la tarde", "2027-01-14 13:00-19:00"),
    ("wed", "tienes lugar mañana a las 4?", "2027-01-14 16:00"),
    ("wed", "me puedes agendar el viernes a las 5?", "2027-01-15 17:00"),
    ("wed", "hay chance hoy en la tarde?", "2027-01-13 13:00-19:00"),
    ("wed", "quisiera una cita para el sábado en la mañana", "2027-01-16 00:00-12:00"),
    ("wed", "mejor el viernes a las 6", "2027-01-15 18:00"),
    ("wed", "el lunes 18 a las 10 de la mañana", "2027-01-18 10:00"),
    ("wed", "mañana a la una", "2027-01-14 13:00"),
    ("wed", "mañana a las 12:30", "2027-01-14 12:30"),
    ("fri", "mañana a las 8", "2027-01-16 20:00"),
    ("fri", "el domingo a las 11", "2027-01-17 11:00"),
    ("fri", "el domingo a las 2", "2027-01-17 14:00"),
    ("fri", "hoy a las 7", "2027-01-15 19:00"),
    ("sat", "mañana a las 9", "2027-01-31 21:00"),
    ("sat", "el martes a las 3", "2027-02-02 15:00"),
    ("sat", "el 2 a las 4", "2027-02-02 16:00"),
    ("dec", "el 3 de enero a las 11", "2028-01-03 11:00"),
    ("dec", "el viernes 31 a las 10", "2027-12-31 10:00"),
    ("dec", "pasado mañana a las 4 y media", "2027-12-30 16:30"),
]

TYPOS = [
    ("wed", "el mierkoles", "2027-01-20"),
    ("wed", "el juebes", "2027-01-14"),
    ("wed", "el sabdo", "2027-01-16"),
    ("wed", "el biernes", "2027-01-15"),
    ("wed", "el lunez a las 4", "2027-01-18 16:00"),
    ("wed", "mañna a las 5", "2027-01-14 17:00"),
    ("wed", "pasado mañna", "2027-01-15"),
    ("wed", "el 15 de enro", "2027-01-15"),
    ("wed", "en la tade", "13:00-19:00"),
    ("wed", "despues de las 6", "18:00-24:00"),
    ("wed", "MAÑANA A LAS 4", "2027-01-14 16:00"),
    ("wed", "mediodia", "12:00"),
]

NO_DATE = [
    ("wed", "hola", "none"),
    ("wed", "buenas tardes", "none"),
    ("wed", "buenas noches", "none"),
    ("wed", "quiero un corte", "none"),
    ("wed", "gracias", "none"),
    ("wed", "cuánto cuesta el corte?", "none"),
    ("wed", "cancela mi cita", "none"),
    ("wed", "quiero una cita", "none"),
    ("wed", "sí", "none"),
    ("wed", "Ana López", "none"),
]

# Written after the rules above passed, and run once before any change to the rules: an
# honest estimate of how the parser does on phrasings it was not tuned on.
HOLDOUT = [
    ("wed", "mañana como a las 5", "2027-01-14 17:00"),
    ("wed", "el viernes como a las 11 de la mañana", "2027-01-15 11:00"),
    ("wed", "tienes espacio hoy a las 6?", "2027-01-13 18:00"),
    ("wed", "mañana a las 3 y media", "2027-01-14 15:30"),
    ("wed", "el sábado a eso de las 12", "2027-01-16 12:00"),
    ("wed", "pasado mañana en la tarde", "2027-01-15 13:00-19:00"),
    ("wed", "el lunes en la mañana", "2027-01-18 00:00-12:00"),
    ("wed", "el martes por la tarde", "2027-01-19 13:00-19:00"),
    ("wed", "el jueves después de las 5", "2027-01-14 17:00-24:00"),
    ("wed", "hoy antes de las 3", "2027-01-13 00:00-15:00"),
    ("wed", "el 22 de enero a las 10", "2027-01-22 10:00"),
    ("wed", "el 25 en la tarde", "2027-01-25 13:00-19:00"),
    ("wed", "el día 18 a las 4", "2027-01-18 16:00"),
    ("wed", "a las 2 y media", "14:30"),
    ("wed", "a las 6:45", "18:45"),
    ("wed", "a las 12 y cuarto", "12:15"),
    ("wed", "cuarto para las 3", "14:45"),
    ("wed", "mañana cuarto para las 11", "2027-01-14 10:45"),
    ("wed", "el viernes a la 1", "2027-01-15 13:00"),
    ("wed", "el sábado a la 1 y media", "2027-01-16 13:30"),
    ("wed", "en la tarde del viernes", "2027-01-15 13:00-19:00"),
    ("wed", "el viernes tipo 6", "2027-01-15 18:00"),
    ("wed", "mañana a partir de las 3", "2027-01-14 15:00-24:00"),
    ("wed", "el lunes entre 4 y 6", "2027-01-18 16:00-18:00"),
    ("wed", "para el próximo lunes", "2027-01-18"),
    ("wed", "este sábado", "2027-01-16"),
    ("wed", "el domingo que viene", "2027-01-17"),
    ("wed", "Mañana jueves a las 4", "2027-01-14 16:00"),
    ("wed", "hoy miércoles en la tarde", "2027-01-13 13:00-19:00"),
    ("wed", "el 16 de enero", "2027-01-16"),
    ("wed", "16 de enero a las 11:30", "2027-01-16 11:30"),
    ("wed", "a las 10 y media de la mañana", "10:30"),
    ("wed", "a las 8 de la noche", "20:00"),
    ("wed", "el viernes a mediodía", "2027-01-15 12:00"),
    ("wed", "mañana al mediodía", "2027-01-14 12:00"),
    ("wed", "en una semana", "2027-01-20"),
    ("wed", "el viernes en la noche", "2027-01-15 19:00-24:00"),
    ("fri", "mañana a las 9 y media", "2027-01-16 09:30"),
    ("fri", "el domingo a las 12", "2027-01-17 12:00"),
    ("fri", "el lunes a las 7 de la tarde", "2027-01-18 19:00"),
    ("fri", "hoy a las 8 y cuarto", "2027-01-15 20:15"),
    ("sat", "el domingo a las 8", "2027-01-31 20:00"),
    ("sat", "el 4 de febrero a las 6", "2027-02-04 18:00"),
    ("sat", "hoy a las 3", "2027-01-30 15:00"),
]

SERVICE = [
    ("wed", "corte de cabello", "Corte de cabello"),
    ("wed", "un corte de pelo", "Corte de cabello"),
    ("wed", "cortarme el cabello", "Corte de cabello"),
    ("wed", "kabello", "Corte de cabello"),
    ("wed", "korte", "Corte de cabello|Corte de dama"),
    ("wed", "quiero un corte", "Corte de cabello|Corte de dama"),
    ("wed", "corte de dama", "Corte de dama"),
    ("wed", "corte para mujer", "Corte de dama"),
    ("wed", "barba", "Arreglo de barba"),
    ("wed", "me arreglas la barba?", "Arreglo de barba"),
    ("wed", "barva", "Arreglo de barba"),
    ("wed", "rasurar", "Arreglo de barba"),
    ("wed", "corte y barba", "Corte y barba"),
    ("wed", "uñas", "Manicure|Pedicure"),
    ("wed", "unas", "Manicure|Pedicure"),
    ("wed", "manicure", "Manicure"),
    ("wed", "manicura", "Manicure"),
    ("wed", "mani", "Manicure"),
    ("wed", "manikur", "Manicure"),
    ("wed", "uñas de las manos", "Manicure"),
    ("wed", "pedicure", "Pedicure"),
    ("wed", "pedi", "Pedicure"),
    ("wed", "las uñas de los pies", "Pedicure"),
    ("wed", "uñas acrílicas", "Uñas acrílicas"),
    ("wed", "acrilicas", "Uñas acrílicas"),
    ("wed", "tinte", "Tinte"),
    ("wed", "quiero pintarme el pelo", "Tinte"),
    ("wed", "rayitos", "Tinte"),
    ("wed", "keratina", "Keratina"),
    ("wed", "alaciado", "Keratina"),
    ("wed", "cejas", "Diseño de cejas"),
    ("wed", "depilación de cejas", "Diseño de cejas"),
    ("wed", "peinado", "Peinado"),
    ("wed", "maquillaje", "Maquillaje"),
    ("wed", "quiero un korte mañana en la tarde", "Corte de cabello|Corte de dama"),
    ("wed", "hola", ""),
    ("wed", "mañana a las 4", ""),
]

# Issue 12: the categories of phrasings the parser missed, written while building the rules
# for them (the held-out set of these categories is HOLDOUT_12, written afterwards).
SPLIT_HOURS = {day: [(600, 840), (960, 1200)] for day in range(6)}  # 10–14 and 16–20
REFERENCES["split"] = Reference(datetime(2027, 1, 13, 9, 10), SPLIT_HOURS)

MINUTES_IN_WORDS = [
    ("wed", "a las siete treinta", "19:30"),
    ("wed", "cinco cuarenta y cinco", "17:45"),
    ("wed", "a las cuatro quince", "16:15"),
    ("wed", "mañana a las once cuarenta", "2027-01-14 11:40"),
    ("wed", "el viernes a las seis treinta", "2027-01-15 18:30"),
    ("wed", "a las 7 30", "19:30"),
]
NUMBER_WORDS_21_31 = [
    ("wed", "el veintisiete", "2027-01-27"),
    ("wed", "el veintiuno", "2027-01-21"),
    ("wed", "el treinta y uno", "2027-01-31"),
    ("wed", "el veinticuatro a las cinco", "2027-01-24 17:00"),
    ("wed", "veintidós de febrero", "2027-02-22"),
]
ABBREVIATED_WEEKDAY = [
    ("wed", "el sáb a las 5", "2027-01-16 17:00"),
    ("wed", "mié", "2027-01-20"),
    ("wed", "vie.", "2027-01-15"),
    ("wed", "el jue a las 11", "2027-01-14 11:00"),
    ("wed", "el lun en la tarde", "2027-01-18 13:00-19:00"),
    ("wed", "el mar a las 4", "2027-01-19 16:00"),
    ("wed", "el 5 de mar", "2027-03-05"),
    ("fri", "dom 11am", "2027-01-17 11:00"),
]
RANGE_WITHOUT_DE = [
    ("wed", "de 4-6", "16:00-18:00"),
    ("wed", "5 a 6 pm", "17:00-18:00"),
    ("wed", "el viernes de 4-6", "2027-01-15 16:00-18:00"),
    ("wed", "mañana 4 a 6", "2027-01-14 16:00-18:00"),
    ("wed", "entre 4-6", "16:00-18:00"),
    ("wed", "4-6pm", "16:00-18:00"),
    ("wed", "17-19 hrs", "17:00-19:00"),
]
NUMERIC_DATE = [
    ("wed", "el 21 del 3", "2027-03-21"),
    ("wed", "17-2", "2027-02-17"),
    ("wed", "17/02", "2027-02-17"),
    ("wed", "el 3-2", "2027-02-03"),
    ("wed", "el 21 del 3 a las 4", "2027-03-21 16:00"),
    ("wed", "20/01/2027", "2027-01-20"),
]
DAY_AFTER_TIME = [
    ("wed", "8pm del 15", "2027-01-15 20:00"),
    ("wed", "a las 11 del 20", "2027-01-20 11:00"),
    ("wed", "4:30 del viernes", "2027-01-15 16:30"),
    ("wed", "a las 5 del 12", "2027-02-12 17:00"),
]
FROM_NOW = [
    ("wed", "en 2 horas", "2027-01-13 11:10"),
    ("wed", "en una hora", "2027-01-13 10:10"),
    ("wed", "dentro de media hora", "2027-01-13 09:40"),
    ("wed", "en 45 minutos", "2027-01-13 09:55"),
    ("wed", "en hora y media", "2027-01-13 10:40"),
    ("fri", "en 2 horas y media", "2027-01-15 20:00"),
]
DAYS_AFTER = [
    ("wed", "dos días después de hoy", "2027-01-15"),
    ("wed", "3 días después", "2027-01-16"),
    ("wed", "pasado mañana en la tarde", "2027-01-15 13:00-19:00"),
    ("wed", "de aquí a 4 días", "2027-01-17"),
    ("wed", "en 2 semanas", "2027-01-27"),
]
NEXT_WEEK_MONTH = [
    ("wed", "semana que viene", "2027-01-18 days=7"),
    ("wed", "el mes que viene", "2027-02-01 days=28"),
    ("wed", "el próximo mes", "2027-02-01 days=28"),
    ("wed", "la semana próxima", "2027-01-18 days=7"),
    ("dec", "el mes que entra", "2028-01-01 days=31"),
    ("wed", "próxima semana en la tarde", "2027-01-18 days=7 13:00-19:00"),
]
EARLY_AFTERNOON = [
    ("wed", "temprano en la tarde", "13:00-16:00"),
    ("wed", "mañana temprano en la tarde", "2027-01-14 13:00-16:00"),
    ("split", "en la tarde", "16:00-19:00"),
    ("split", "el viernes temprano en la tarde", "2027-01-15 16:00-19:00"),
    ("wed", "en la tarde temprano", "13:00-16:00"),
]
TYPO_GUARD = [
    ("wed", "tengo tarea", "none"),
    ("wed", "busca a Juanito Pérez", "none"),
    ("wed", "busca a juanito", "none"),
    ("wed", "quiero una manzana", "none"),
    ("wed", "el juebes en la tade", "2027-01-14 13:00-19:00"),
]

# Issue 12's held-out set: written after the rules above were done, grouped by the issue's
# categories, and run once as it stands; the rules were not tuned to it afterwards.
HOLDOUT_12: dict[str, list[tuple[str, str, str]]] = {
    "minutes_in_words": [
        ("wed", "a las ocho cuarenta", "08:40"),
        ("wed", "a las tres veinte", "15:20"),
        ("wed", "nos vemos a las cuatro cuarenta y cinco", "16:45"),
        ("wed", "el viernes a las doce quince", "2027-01-15 12:15"),
        ("wed", "mañana a las once treinta", "2027-01-14 11:30"),
        ("wed", "seis cincuenta", "18:50"),
        ("wed", "como a las cinco treinta", "17:30"),
        ("fri", "a las nueve quince", "09:15"),
        ("wed", "el lunes a las dos diez", "2027-01-18 14:10"),
        ("sat", "a las siete treinta de la noche", "19:30"),
        ("wed", "a las 10 45", "10:45"),
    ],
    "number_words_21_31": [
        ("wed", "el veintiocho", "2027-01-28"),
        ("wed", "el veintitrés a las cuatro", "2027-01-23 16:00"),
        ("wed", "el día veinticinco", "2027-01-25"),
        ("wed", "para el treinta", "2027-01-30"),
        ("wed", "el treinta y uno de enero", "2027-01-31"),
        ("sat", "el veintinueve", "2027-03-29"),
        ("wed", "el veintiséis en la tarde", "2027-01-26 13:00-19:00"),
        ("dec", "el veintidós de enero", "2028-01-22"),
        ("wed", "veintiuno de febrero", "2027-02-21"),
        ("wed", "el veinticuatro a las once", "2027-01-24 11:00"),
        ("fri", "el veintisiete a las siete", "2027-01-27 19:00"),
    ],
    "abbreviated_weekday": [
        ("wed", "el vie a las 4", "2027-01-15 16:00"),
        ("wed", "sáb 10am", "2027-01-16 10:00"),
        ("wed", "el mié en la mañana", "2027-01-20 00:00-12:00"),
        ("wed", "jue.", "2027-01-14"),
        ("wed", "el lun. a las 6", "2027-01-18 18:00"),
        ("wed", "el dom", "2027-01-17"),
        ("wed", "este sáb", "2027-01-16"),
        ("wed", "el próximo vie", "2027-01-15"),
        ("fri", "el mar a las 5", "2027-01-19 17:00"),
        ("sat", "el juev a las 3", "2027-02-04 15:00"),
        ("wed", "vier 11:30", "2027-01-15 11:30"),
    ],
    "range_without_de": [
        ("wed", "de 3-5", "15:00-17:00"),
        ("wed", "entre 11-1", "11:00-13:00"),
        ("wed", "4 a 7 pm", "16:00-19:00"),
        ("wed", "mañana de 10-12", "2027-01-14 10:00-12:00"),
        ("wed", "el sábado 12-2", "2027-01-16 12:00-14:00"),
        ("wed", "3 a 5 de la tarde", "15:00-17:00"),
        ("wed", "de 5:30-6:30", "17:30-18:30"),
        ("fri", "9-11 am", "09:00-11:00"),
        ("wed", "el lunes 4-6 pm", "2027-01-18 16:00-18:00"),
        ("wed", "como de 2 a 4", "14:00-16:00"),
        ("wed", "11 a 2", "11:00-14:00"),
    ],
    "numeric_date": [
        ("wed", "el 25/01", "2027-01-25"),
        ("wed", "el 2 del 2", "2027-02-02"),
        ("wed", "18-1", "2027-01-18"),
        ("wed", "el 5-3", "2027-03-05"),
        ("wed", "14/2 a las 6", "2027-02-14 18:00"),
        ("wed", "el 20 del 1", "2027-01-20"),
        ("dec", "3/1", "2028-01-03"),
        ("wed", "el 1/2/27", "2027-02-01"),
        ("wed", "30-01", "2027-01-30"),
        ("wed", "el 16 del 01 a las 11", "2027-01-16 11:00"),
        ("sat", "el 10 del 2", "2027-02-10"),
    ],
    "day_after_time": [
        ("wed", "a las 5 del viernes", "2027-01-15 17:00"),
        ("wed", "6pm del 20", "2027-01-20 18:00"),
        ("wed", "las 11 del sábado", "2027-01-16 11:00"),
        ("wed", "4:30 pm del 22", "2027-01-22 16:30"),
        ("wed", "a las 3 del próximo lunes", "2027-01-18 15:00"),
        ("wed", "10am del 3 de febrero", "2027-02-03 10:00"),
        ("wed", "a las 12 del 19", "2027-01-19 12:00"),
        ("fri", "a las 9 del domingo", "2027-01-17 09:00"),
        ("wed", "a las 2 de la tarde del jueves", "2027-01-14 14:00"),
        ("wed", "7:15 del 25", "2027-01-25 19:15"),
        ("wed", "a la 1 del martes", "2027-01-19 13:00"),
    ],
    "from_now": [
        ("wed", "en 3 horas", "2027-01-13 12:10"),
        ("wed", "dentro de una hora", "2027-01-13 10:10"),
        ("wed", "en media hora", "2027-01-13 09:40"),
        ("wed", "en 20 minutos", "2027-01-13 09:30"),
        ("wed", "en una hora y media", "2027-01-13 10:40"),
        ("wed", "dentro de 2 horas", "2027-01-13 11:10"),
        ("fri", "en una hora", "2027-01-15 18:30"),
        ("fri", "en 4 horas", "2027-01-15 21:30"),
        ("wed", "en 90 minutos", "2027-01-13 10:40"),
        ("wed", "de aquí a una hora", "2027-01-13 10:10"),
        ("sat", "en dos horas", "2027-01-30 13:00"),
    ],
    "days_after": [
        ("wed", "tres días después de hoy", "2027-01-16"),
        ("wed", "dentro de 5 días", "2027-01-18"),
        ("wed", "pasado mañana por la tarde", "2027-01-15 13:00-19:00"),
        ("wed", "en cuatro días", "2027-01-17"),
        ("wed", "pasado mañana temprano", "2027-01-15 00:00-12:00"),
        ("wed", "2 días después", "2027-01-15"),
        ("wed", "de aquí a 3 días", "2027-01-16"),
        ("wed", "en 10 días", "2027-01-23"),
        ("wed", "pasado mañana en la noche", "2027-01-15 19:00-24:00"),
        ("fri", "dos días después de hoy", "2027-01-17"),
        ("wed", "en una semana", "2027-01-20"),
    ],
    "next_week_month": [
        ("wed", "semana que entra", "2027-01-18 days=7"),
        ("wed", "el mes próximo", "2027-02-01 days=28"),
        ("wed", "el siguiente mes", "2027-02-01 days=28"),
        ("wed", "próximo mes", "2027-02-01 days=28"),
        ("dec", "el mes que viene", "2028-01-01 days=31"),
        ("wed", "para la semana que viene", "2027-01-18 days=7"),
        ("wed", "semana próxima", "2027-01-18 days=7"),
        ("sat", "el mes que viene", "2027-02-01 days=28"),
        ("wed", "la siguiente semana en la mañana", "2027-01-18 days=7 00:00-12:00"),
        ("wed", "el mes entrante", "2027-02-01 days=28"),
        ("wed", "este mes", "2027-01-13 days=19"),
    ],
    "early_afternoon": [
        ("wed", "temprano por la tarde", "13:00-16:00"),
        ("wed", "el viernes temprano en la tarde", "2027-01-15 13:00-16:00"),
        ("wed", "mañana en la tarde temprano", "2027-01-14 13:00-16:00"),
        ("split", "temprano en la tarde", "16:00-19:00"),
        ("wed", "hoy temprano en la tarde", "2027-01-13 13:00-16:00"),
        ("wed", "a primeras horas de la tarde", "13:00-16:00"),
        ("sat", "temprano en la tarde", "13:00-16:00"),
        ("wed", "el lunes tarde temprano", "2027-01-18 13:00-16:00"),
        ("wed", "al inicio de la tarde", "13:00-16:00"),
        ("split", "en la tarde", "16:00-19:00"),
        ("split", "mañana en la tarde", "2027-01-14 16:00-19:00"),
    ],
    "typo_guard": [
        ("wed", "tengo tarea pero voy", "none"),
        ("wed", "busca a Mario Juárez", "none"),
        ("wed", "una manzana", "none"),
        ("wed", "el señor Mayor", "none"),
        ("wed", "busca a Julián", "none"),
        ("wed", "la tardanza", "none"),
        ("wed", "el junior", "none"),
        ("wed", "mi cita con Marta", "none"),
        ("wed", "lunas", "none"),
        ("wed", "el viernez a las 5", "2027-01-15 17:00"),
        ("wed", "mañnaa a las 4", "2027-01-14 16:00"),
    ],
}

# A second held-out set, written by another hand (the lead, reviewing issue 12) after the
# work and before its first run; never tuned to. Same categories as HOLDOUT_12.
REVIEW_HOLDOUT: dict[str, list[tuple[str, str, str]]] = {
    "minutes_in_words": [
        ("wed", "a las cuatro cuarenta", "16:40"),
        ("wed", "mañana a las diez cincuenta", "2027-01-14 10:50"),
        ("fri", "el lunes a las once veinticinco", "2027-01-18 11:25"),
        ("wed", "cinco cuarenta y cinco", "17:45"),
        ("sat", "a las ocho treinta", "20:30"),
    ],
    "number_words_21_31": [
        ("wed", "el veintidós", "2027-01-22"),
        ("wed", "el veintisiete en la mañana", "2027-01-27 00:00-12:00"),
        ("wed", "el treinta a las cinco", "2027-01-30 17:00"),
        ("fri", "el veintiocho de febrero", "2027-02-28"),
        ("wed", "el día veintiuno a las 12", "2027-01-21 12:00"),
    ],
    "abbreviated_weekday": [
        ("wed", "el sáb a las 5", "2027-01-16 17:00"),
        ("wed", "el jue a las 11", "2027-01-14 11:00"),
        ("fri", "lun 4pm", "2027-01-18 16:00"),
        ("wed", "vie. en la tarde", "2027-01-15 13:00-19:00"),
        ("sat", "el mar. a las 2", "2027-02-02 14:00"),
    ],
    "range_without_de": [
        ("wed", "de 4-6", "16:00-18:00"),
        ("wed", "5 a 6 pm", "17:00-18:00"),
        ("wed", "mañana 3 a 5", "2027-01-14 15:00-17:00"),
        ("fri", "el lunes 10-12", "2027-01-18 10:00-12:00"),
        ("wed", "el viernes 11 a 1", "2027-01-15 11:00-13:00"),
    ],
    "numeric_date": [
        ("wed", "el 21 del 3", "2027-03-21"),
        ("wed", "17-2", "2027-02-17"),
        ("wed", "17/02", "2027-02-17"),
        ("wed", "el 5/2 a las 4", "2027-02-05 16:00"),
        ("fri", "para el 20/1", "2027-01-20"),
    ],
    "day_after_time": [
        ("wed", "8pm del 15", "2027-01-15 20:00"),
        ("wed", "a las 11 del 20", "2027-01-20 11:00"),
        ("wed", "5 de la tarde del viernes", "2027-01-15 17:00"),
        ("fri", "a las 10 del lunes", "2027-01-18 10:00"),
        ("wed", "las 6 del 27", "2027-01-27 18:00"),
    ],
    "from_now": [
        ("wed", "en 2 horas", "2027-01-13 11:10"),
        ("wed", "en una hora", "2027-01-13 10:10"),
        ("wed", "dentro de media hora", "2027-01-13 09:40"),
        ("fri", "en 45 minutos", "2027-01-15 18:15"),
        ("fri", "dentro de dos horas", "2027-01-15 19:30"),
    ],
    "days_after": [
        ("wed", "dos días después de hoy", "2027-01-15"),
        ("wed", "pasado mañana en la tarde", "2027-01-15 13:00-19:00"),
        ("fri", "pasado mañana", "2027-01-17"),
        ("wed", "dentro de tres días", "2027-01-16"),
        ("wed", "en 6 días", "2027-01-19"),
    ],
    "next_week_month": [
        ("wed", "semana que viene", "2027-01-18 days=7"),
        ("wed", "el mes que viene", "2027-02-01 days=28"),
        ("wed", "el próximo mes", "2027-02-01 days=28"),
        ("fri", "la otra semana", "2027-01-18 days=7"),
        ("wed", "la semana que viene en la tarde", "2027-01-18 days=7 13:00-19:00"),
    ],
    "early_afternoon": [
        ("wed", "temprano en la tarde", "13:00-16:00"),
        ("wed", "mañana temprano en la tarde", "2027-01-14 13:00-16:00"),
        ("fri", "el sábado tempranito en la tarde", "2027-01-16 13:00-16:00"),
        ("wed", "a primera hora de la tarde", "13:00-16:00"),
        ("sat", "el domingo temprano por la tarde", "2027-01-31 13:00-16:00"),
    ],
    "typo_guard": [
        ("wed", "mi hija se llama Tania", "none"),
        ("wed", "busca a Juanito Pérez", "none"),
        ("wed", "traigo mi tarea", "none"),
        ("wed", "el martez a las 6", "2027-01-19 18:00"),
        ("wed", "vengo con Mayra", "none"),
    ],
}

KINDS: dict[str, list[tuple[str, str, str]]] = {
    "relative_day": RELATIVE_DAY,
    "weekday": WEEKDAY,
    "day_of_month": DAY_OF_MONTH,
    "clock_time": CLOCK_TIME,
    "colloquial_time": COLLOQUIAL_TIME,
    "part_of_day": PART_OF_DAY,
    "range": RANGE,
    "combined": COMBINED,
    "typos": TYPOS,
    "no_date": NO_DATE,
    "holdout": HOLDOUT,
    "minutes_in_words": MINUTES_IN_WORDS,
    "number_words_21_31": NUMBER_WORDS_21_31,
    "abbreviated_weekday": ABBREVIATED_WEEKDAY,
    "range_without_de": RANGE_WITHOUT_DE,
    "numeric_date": NUMERIC_DATE,
    "day_after_time": DAY_AFTER_TIME,
    "from_now": FROM_NOW,
    "days_after": DAYS_AFTER,
    "next_week_month": NEXT_WEEK_MONTH,
    "early_afternoon": EARLY_AFTERNOON,
    "typo_guard": TYPO_GUARD,
    **{f"holdout_{kind}": rows for kind, rows in HOLDOUT_12.items()},
    **{f"review_{kind}": rows for kind, rows in REVIEW_HOLDOUT.items()},
    "service": SERVICE,
}
DATE_TIME_KINDS = [kind for kind in KINDS if kind != "service"]


@dataclass(frozen=True)
class Case:
    kind: str
    reference: str
    text: str
    expected: str

    @property
    def ref(self) -> Reference:
        return REFERENCES[self.reference]


def cases(kinds: list[str] | None = None) -> list[Case]:
    return [
        Case(kind, reference, text, expected)
        for kind, rows in KINDS.items()
        if kinds is None or kind in kinds
        for reference, text, expected in rows
    ]


def expected_when(expected: str) -> dict[str, Any] | None:
    """'2027-01-14 12:00-19:00' → {'date': '2027-01-14', 'from': '12:00', 'to': '19:00'}."""
    if expected == "none":
        return None
    found: dict[str, Any] = {}
    for token in expected.split():
        if token == "asap":
            found["asap"] = True
        elif token.startswith("days="):
            found["days"] = int(token.removeprefix("days="))
        elif len(token) == 10:
            found["date"] = token
        elif "-" in token:
            found["from"], found["to"] = token.split("-")
        else:
            found["time"] = token
    return found


def expected_services(expected: str) -> list[str]:
    return [name for name in expected.split("|") if name]
