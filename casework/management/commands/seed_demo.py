"""Fictional demo data: five offices, about forty staff, sixty cases and one login per role.

Everything here is invented. Names are common Peruvian, Andean, Amazonian and Venezuelan names
drawn at random and combined; document numbers and phones are random digits; places are real
towns and districts with made-up street numbers. The data is the same on every fresh database
(random.Random with fixed seeds, ages counted from one `today`).

Idempotent: offices are found by code, users by username, and each office gets a fixed number
of cases; a run creates only what is missing, so an interrupted run is completed by the next.
Cases are opened through casework.services.case_open, like any other case.

Only the four demo logins (caseworker, supervisor, auditor, administrator) get a password: a
random one, set when the user is created (or with --reset-passwords) and printed once.
Nothing is logged; the output carries counts and those passwords, never a person's data.
"""

import datetime
import random
import secrets
import sys
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from casework import services, staffing, teams
from casework.access import supervisors_of
from casework.age import ADULT_AGE, years_between
from casework.models import INTAKE_SECTIONS, Case, Office, StaffProfile, User
from casework.roles import Role, ensure_roles

SEED = "casework seed_demo v1"

# --- Offices ---------------------------------------------------------------------------------
# (code, name, INEI region, cases the office should hold)
OFFICES = (
    ("LIM", "Lima", "15", 16),
    ("MDD", "Madre de Dios", "17", 14),
    ("CUS", "Cusco", "08", 11),
    ("PUN", "Puno", "21", 10),
    ("LOR", "Loreto", "16", 9),
)

# --- Names -----------------------------------------------------------------------------------
WOMEN_YOUNG = (
    "Milagros", "Yesenia", "Diana", "Katherine", "Sheyla", "Nayeli", "Mayra", "Fiorella", "Lucero", "Kiara",
    "Ariana", "Camila", "Valeria", "Ximena", "Estefany", "Yuliana", "Jhoselyn", "Brisa", "Dayana", "Melany",
    "Nicol", "Luz", "Flor", "Rosa", "Ruth", "Karina", "Maribel", "Deysi", "Yanet", "Lizbeth",
)  # fmt: skip
WOMEN_OLDER = (
    "María", "Rosa", "Gladys", "Juana", "Sonia", "Marleny", "Roxana", "Elizabeth", "Hilda", "Nilda", "Vilma",
    "Lourdes", "Norma", "Yolanda", "Delia", "Mercedes", "Carmen", "Teresa", "Elena", "Patricia",
)  # fmt: skip
WOMEN_ANDEAN_OLD = ("Florentina", "Rufina", "Eulalia", "Justina", "Alejandrina", "Senobia", "Paulina", "Sabina", "Nélida")
WOMEN_ANDEAN_YOUNG = ("Sisa", "Killa", "Nina", "Yeny", "Yaneth", "Rocío", "Soledad")
MEN_YOUNG = (
    "Brayan", "Anderson", "Cristian", "Kevin", "Jhonatan", "Jhon", "Alex", "Nilton", "Yony", "Luis", "Jorge",
    "Diego", "Frank", "Jhair", "Edson", "Wilson", "Renzo", "Piero",
)  # fmt: skip
MEN_OLDER = (
    "José", "Juan", "Carlos", "Wilber", "Edwin", "Percy", "Wilfredo", "Richard", "Elmer", "Fredy", "Rubén",
    "Hernán", "Teodoro", "Marco", "Efraín", "Saturnino", "Lucio", "Isidro", "Gerardo", "Víctor", "Julio", "César",
)  # fmt: skip
NEUTRAL = ("Alex", "Dani", "Cris", "Sami")
WOMEN_VEN = ("Yulimar", "Yorgelis", "Daniela", "Andreína", "Génesis", "Yusmary", "Oriana", "Rosángela", "Mariángel", "Dayerlin")
WOMEN_COL = ("Leidy", "Yurani", "Marcela", "Paola", "Natalia", "Yesica")
WOMEN_BOL = ("Wara", "Jhenny", "Marisol", "Evelin", "Roxana", "Inés")

SURNAMES_GENERAL = (
    "García", "Rodríguez", "Flores", "Sánchez", "Ramírez", "Torres", "Díaz", "Vásquez", "Rojas", "Castillo",
    "Chávez", "Gonzales", "Mendoza", "Ruiz", "Salazar", "Vargas", "Paredes", "Medina", "Cárdenas", "Espinoza",
    "Gutiérrez", "Ramos", "Reyes", "Silva", "Valverde", "Zevallos", "Aguilar", "Palomino", "Bustamante", "Linares",
)  # fmt: skip
SURNAMES_QUECHUA = (
    "Quispe", "Huamán", "Condori", "Huillca", "Ccori", "Yupanqui", "Sullca", "Puma", "Cusi", "Huanca", "Ttito",
    "Ccahuana", "Choquehuanca", "Mamani", "Champi", "Layme", "Huarca", "Ccama", "Auccapuma", "Quillahuamán",
)  # fmt: skip
SURNAMES_AYMARA = (
    "Mamani", "Condori", "Apaza", "Choque", "Ticona", "Coaquira", "Calsina", "Machaca", "Chambi", "Pari",
    "Cutipa", "Larico", "Pacompia", "Huarachi", "Ccallo", "Quispe", "Limachi", "Alanoca",
)  # fmt: skip
SURNAMES_AMAZON = (
    "Tapullima", "Pizango", "Sangama", "Shapiama", "Tamani", "Yumbato", "Huayunga", "Cachique", "Ahuanari",
    "Manihuari", "Murayari", "Pacaya", "Canayo", "Arimuya", "Mozombite", "Panduro", "Rengifo", "Del Águila",
)  # fmt: skip
SURNAMES_SHIPIBO = ("Inuma", "Ochavano", "Maynas", "Cumapa", "Sanancino", "Mahua", "Agustín", "Lomas")
SURNAMES_AWAJUN = ("Ampam", "Yampis", "Shimpukat", "Uwarai", "Chumpi", "Tsamajain", "Sejekam", "Wajajai")
SURNAMES_VEN = ("González", "Pérez", "Hernández", "Martínez", "Rivas", "Guerrero", "Colmenares", "Urdaneta", "Briceño", "Zambrano")
SURNAMES_COL = ("Muñoz", "Ospina", "Castaño", "Restrepo", "Cardona", "Londoño", "Giraldo")
SURNAMES_BOL = ("Mamani", "Choque", "Quispe", "Limachi", "Alanoca", "Huanca", "Flores", "Copa")
ALIASES = ("Scarlet", "Kendra", "Brenda", "Luna", "Kiara", "Sasha", "Dulce", "Bianca", "Paloma")

# Where people of each office come from: (weight, languages, surnames).
ORIGINS = {
    "LIM": ((7, ["spa"], SURNAMES_GENERAL), (2, ["que", "spa"], SURNAMES_QUECHUA), (1, ["spa"], SURNAMES_AMAZON)),
    "MDD": ((4, ["spa"], SURNAMES_GENERAL + SURNAMES_QUECHUA), (4, ["que", "spa"], SURNAMES_QUECHUA), (1, ["mcb", "spa"], SURNAMES_AMAZON)),
    "CUS": ((5, ["que", "spa"], SURNAMES_QUECHUA), (3, ["spa"], SURNAMES_QUECHUA + SURNAMES_GENERAL), (1, ["que"], SURNAMES_QUECHUA)),
    "PUN": ((4, ["aym", "spa"], SURNAMES_AYMARA), (3, ["que", "spa"], SURNAMES_QUECHUA), (3, ["spa"], SURNAMES_AYMARA + SURNAMES_GENERAL)),
    "LOR": ((5, ["spa"], SURNAMES_AMAZON + SURNAMES_GENERAL), (2, ["shp", "spa"], SURNAMES_SHIPIBO), (1, ["agr", "spa"], SURNAMES_AWAJUN)),
}
FOREIGN = {  # nationality: (given names of women, surnames)
    "VEN": (WOMEN_VEN, SURNAMES_VEN),
    "COL": (WOMEN_COL, SURNAMES_COL),
    "BOL": (WOMEN_BOL, SURNAMES_BOL),
}
MIGRANT_NATIONALITY = {"LIM": "VEN", "MDD": "VEN", "CUS": "VEN", "PUN": "BOL", "LOR": "COL"}

# --- Places (real towns, invented numbers) ---------------------------------------------------
ADDRESSES = {
    "LIM": (
        "Av. Próceres de la Independencia {n}, San Juan de Lurigancho",
        "Jr. Huallaga {n}, Cercado de Lima",
        "Mz. {mz} Lt. {lt}, Sector 3, Villa El Salvador",
        "Calle Los Jazmines {n}, Comas",
        "Av. Túpac Amaru {n}, Independencia",
        "Jr. Las Gardenias {n}, Ate",
    ),
    "MDD": (
        "Av. León Velarde {n}, Puerto Maldonado",
        "Jr. Loreto {n}, Tambopata",
        "Mz. {mz} Lt. {lt}, AA.HH. Nueva Esperanza, Puerto Maldonado",
        "Centro poblado de Mazuko, Inambari",
        "Jr. Cusco {n}, Huepetuhe",
    ),
    "CUS": (
        "Calle Tullumayo {n}, Cusco",
        "Av. de la Cultura {n}, Wanchaq",
        "Comunidad campesina, distrito de Ocongate, Quispicanchi",
        "Jr. Espinar {n}, Sicuani",
        "Comunidad campesina, distrito de Chinchero, Urubamba",
        "Av. Martín Pio Concha {n}, Quillabamba",
    ),
    "PUN": (
        "Jr. Lima {n}, Puno",
        "Av. Circunvalación {n}, Juliaca",
        "Centro poblado La Rinconada, Ananea",
        "Comunidad campesina, distrito de Ilave, El Collao",
        "Jr. Huancané {n}, Juliaca",
    ),
    "LOR": (
        "Calle Próspero {n}, Iquitos",
        "Av. Participación {n}, Belén",
        "Jr. Napo {n}, Punchana",
        "Comunidad nativa, distrito de Yurimaguas, Alto Amazonas",
        "Caserío en el río Nanay, San Juan Bautista",
    ),
}
PLACES = {
    "LIM": {
        "sexual": (
            "un bar del Cercado de Lima",
            "un hostal de San Juan de Lurigancho",
            "una discoteca de Los Olivos",
            "un night club de Ate",
        ),
        "domestic": ("una vivienda en Surco", "una casa en La Molina", "una vivienda en Jesús María"),
        "begging": ("los semáforos de la avenida Javier Prado", "los alrededores del mercado de Gamarra", "la avenida Abancay"),
        "brick": ("una ladrillera de Carabayllo", "una ladrillera de Huachipa"),
        "agriculture": ("un fundo agrícola de Huaral", "un fundo de Cañete"),
    },
    "MDD": {
        "sexual": (
            "un prostibar de La Pampa (km 108 de la Interoceánica)",
            "un bar de Mazuko",
            "un bar de Delta 1, Huepetuhe",
            "un local nocturno de Puerto Maldonado",
        ),
        "mining": ("un campamento minero de La Pampa", "una concesión aurífera de Huepetuhe", "una draga en el río Inambari"),
        "logging": ("un campamento maderero de Tahuamanu", "una concesión forestal de Iberia", "un campamento en el río Las Piedras"),
    },
    "CUS": {
        "sexual": ("un bar de Quillabamba", "un karaoke de Wanchaq", "un hostal del centro histórico del Cusco", "un bar de Sicuani"),
        "domestic": ("una vivienda en Wanchaq", "una casa en San Sebastián", "una vivienda en San Jerónimo"),
        "begging": ("la Plaza de Armas del Cusco", "el mercado de San Pedro", "la avenida El Sol"),
        "criminality": ("el transporte de droga desde el VRAEM (Kimbiri)", "una ruta de «mochileros» entre Pichari y Quillabamba"),
        "agriculture": ("un cocal de La Convención", "una chacra de café de Echarati"),
    },
    "PUN": {
        "sexual": ("un bar de La Rinconada", "un prostibar de Cerro Lunar", "un karaoke de Juliaca", "un hostal de Desaguadero"),
        "mining": ("una bocamina de La Rinconada", "un socavón de Cerro Lunar", "una contrata minera de Ananea"),
        "domestic": ("una vivienda en Juliaca", "una casa en Puno"),
        "herding": ("una estancia alpaquera de Macusani", "una estancia de Corani"),
    },
    "LOR": {
        "sexual": ("un bar de Iquitos", "un hostal de Punchana", "un bar de Santa Rosa de Yavarí", "una embarcación en el río Amazonas"),
        "logging": ("un campamento maderero en el río Napo", "una concesión forestal en el río Tigre", "un aserradero de Yurimaguas"),
        "hospitality": ("un restaurante de Iquitos", "un hospedaje de Nauta"),
        "marriage": ("una comunidad ribereña del río Marañón", "un caserío del río Ucayali"),
    },
}
PLACE_IDENTIFIED = {
    "LIM": (
        "Comisaría de San Juan de Lurigancho",
        "Terminal terrestre Plaza Norte",
        "Fiscalía especializada en trata de personas",
        "Aeropuerto Jorge Chávez",
    ),
    "MDD": (
        "Operativo en La Pampa, Tambopata",
        "Puesto de control de Mazuko",
        "Terminal terrestre de Puerto Maldonado",
        "Comisaría de Huepetuhe",
    ),
    "CUS": ("Terminal terrestre de Cusco", "Comisaría de Wanchaq", "DEMUNA de Sicuani", "Operativo en Quillabamba"),
    "PUN": ("Operativo en La Rinconada", "Puesto de control de Desaguadero", "Terminal terrestre de Juliaca", "Fiscalía de Juliaca"),
    "LOR": ("Puerto de Masusa, Iquitos", "Operativo en Santa Rosa de Yavarí", "Comisaría de Punchana", "Puerto de Yurimaguas"),
}
JOBS = ("mesera", "ayudante de cocina", "vendedora en una tienda", "anfitriona", "cocinera", "niñera")

# Case summaries; {o}/{lo}/{el} agree with the person's gender.
STORIES = {
    "sexual_minor": (
        "Captada con una oferta de trabajo como {job}; explotada sexualmente en {place}. "
        "Identificada en un operativo de la policía con la fiscalía especializada.",
        "Contactada por redes sociales por un supuesto enamorado que la llevó a {place}, donde la explotaron sexualmente. "
        "Una vecina llamó a la línea 1818.",
    ),
    "sexual": (
        "Captada con una oferta de trabajo como {job}; en {place} le cobraban una deuda por el pasaje y el alojamiento "
        "y la obligaban a atender clientes.",
        "Su pareja la llevó a {place} y la obligó a prostituirse; se quedaba con todo el dinero y amenazaba a su familia.",
    ),
    "migrant_sexual": (
        "Captada en su país con una oferta de trabajo en un restaurante; al llegar le retuvieron el pasaporte, "
        "le cobraron una deuda por el viaje y la explotaron sexualmente en {place}.",
        "Ingresó al Perú por un paso no autorizado con un grupo que le ofreció trabajo; explotada sexualmente en {place} bajo amenazas.",
    ),
    "trans_sexual": (
        "Captada por una conocida con una oferta de trabajo como estilista; explotada sexualmente en {place}, "
        "con una deuda por alojamiento y «protección».",
    ),
    "domestic_minor": (
        "Traída desde su comunidad con la promesa de estudiar en la ciudad; trabajaba cama adentro en {place} "
        "sin pago y sin ir al colegio. La reportó la DEMUNA.",
        "Entregada por su familia a una «madrina» que la hacía trabajar en {place} todo el día; no la dejaban salir ni llamar a su madre.",
    ),
    "domestic_adult": ("Trabajaba cama adentro en {place} desde hacía años; le retenían el DNI y el sueldo y no la dejaban salir sola.",),
    "begging": (
        "Pedía limosna y vendía golosinas en {place} hasta la medianoche; entregaba todo el dinero a un adulto "
        "que no es de su familia. Derivación de la DEMUNA.",
        "Un familiar lejano {lo} trajo de su comunidad para «ayudar en la ciudad»; pedía limosna en {place} "
        "y dormía en un cuarto alquilado con otros niños.",
    ),
    "mining_minor": (
        "Adolescente captado en su comunidad con la promesa de un buen sueldo; cargaba mineral en {place} "
        "en turnos de noche y nunca recibió pago.",
    ),
    "mining": (
        "Reclutado con la promesa de un buen sueldo en {place}; le retenían el pago por una «deuda» de pasaje, "
        "comida y herramientas. Trabajaba más de doce horas diarias. Rescatado en una intervención de la fiscalía.",
        "Trabajó meses en {place} con el sistema del «cachorreo» sin recibir su parte; lo amenazaban si intentaba irse.",
    ),
    "logging": (
        "Reclutado por un habilitador con un adelanto de dinero; trabajó meses en {place} sin pago, con una deuda que siempre aumentaba.",
        "Llevado a {place} con la promesa de un jornal diario; le cobraban la comida y las botas y no podía salir del monte.",
    ),
    "older_servitude": (
        "Trabajó durante años sin pago en {place}, a cambio de comida y un lugar donde dormir; "
        "no {lo} dejaban salir ni visitar a su familia.",
    ),
    "criminality": ("Adolescente reclutado con ofertas de dinero para {place}; lo amenazaban con dañar a su familia si se negaba.",),
    "brick": ("Trabajaba en {place} desde la madrugada; el dueño retenía los pagos por una deuda que nunca terminaba.",),
    "agriculture": ("Reclutad{o} en su comunidad para la cosecha en {place}; no le pagaron y le retuvieron el DNI.",),
    "marriage": (
        "Entregada por su familia a un hombre mayor a cambio de dinero y víveres en {place}; hacía trabajo doméstico y agrícola sin pago.",
    ),
    "hospitality": (
        "Trabajaba como mesera en {place} sin pago, con jornadas de catorce horas; el dueño retenía su DNI "
        "y la obligaba a acompañar a clientes.",
    ),
}
# (note, youngest and oldest age it fits)
NOTES = (
    ("Llegó acompañad{o} de su madre.", 0, 24),
    ("Teléfono de una vecina de confianza; llamar solo por la tarde.", 13, 120),
    ("No desea que su familia sea informada por ahora.", 14, 120),
    ("Pidió que no se {lo} visite en su domicilio.", 13, 120),
    ("Cuenta con el apoyo de su hermana mayor.", 0, 59),
    ("Refiere dolores de cabeza frecuentes; pendiente evaluación médica.", 0, 120),
    ("Ya declaró ante la fiscalía (entrevista única en cámara Gesell); no volver a preguntar por los hechos.", 0, 120),
    ("Desea retomar sus estudios el próximo año.", 12, 30),
    ("Le gusta dibujar; se calma cuando puede hacerlo durante las sesiones.", 0, 14),
    ("Prefiere ser atendida por una mujer.", 12, 120),  # women only, see _notes
    ("Tiene una hija de dos años que está con ella.", 17, 45),  # women only
)
WOMEN_ONLY_NOTES = frozenset(NOTES[-2:])
NOTE_OWN_LANGUAGE = "Entiende castellano pero prefiere hablar en su lengua materna."
NOTE_INTERPRETER = "Habla poco castellano: coordinar intérprete para las entrevistas."
# How a case closed as referred ends its summary: (not a victim, sexual), (not a victim, labour), (referred, minor), (referred, adult)
OUTCOMES = {
    ("NOT_A_VICTIM", "sexual"): "Tras la evaluación no se confirmó la situación de trata; derivad{o} al Centro Emergencia Mujer.",
    (
        "NOT_A_VICTIM",
        "labour",
    ): "Tras la evaluación no se confirmó la situación de trata; el caso se derivó a SUNAFIL por infracciones laborales.",
    ("CONFIRMED", "minor"): "Derivad{o} a la Unidad de Protección Especial de su región de origen, donde continúa la atención.",
    ("CONFIRMED", "adult"): "Derivad{o} al equipo de su región de origen, donde continúa la atención.",
}

SAFE_HOURS = ("Lunes a viernes, 9:00 a 12:00", "Por las tardes, después de las 15:00", "Solo en horario de oficina", "Fines de semana")
MUST_NOT_KNOW = ("Su conviviente", "Su tío, que la captó", "La dueña del local", "Su expareja")
CODE_WORDS = ("girasol", "lluvia", "cóndor", "quinua", "río")

# --- Kinds of case ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    gender: str  # WOMAN, MAN, TRANS_WOMAN or ANY (a child of either gender)
    ages: tuple  # youngest plausible age today, (low, high)
    exploitation: tuple
    labour_sector: str
    place: str
    story: str
    migrant: bool = False


KINDS = {
    "girl_sexual": Kind("WOMAN", (13, 17), ("SEXUAL",), "", "sexual", "sexual_minor"),
    "young_woman_sexual": Kind("WOMAN", (18, 20), ("SEXUAL",), "", "sexual", "sexual"),
    "woman_sexual": Kind("WOMAN", (21, 34), ("SEXUAL",), "", "sexual", "sexual"),
    "migrant_woman_sexual": Kind("WOMAN", (18, 29), ("SEXUAL",), "", "sexual", "migrant_sexual", migrant=True),
    "trans_woman_sexual": Kind("TRANS_WOMAN", (19, 27), ("SEXUAL",), "", "sexual", "trans_sexual"),
    "girl_domestic": Kind("WOMAN", (12, 16), ("LABOUR", "CHILD_LABOUR"), "DOMESTIC_WORK", "domestic", "domestic_minor"),
    "woman_domestic": Kind("WOMAN", (24, 45), ("LABOUR", "SERVITUDE"), "DOMESTIC_WORK", "domestic", "domestic_adult"),
    "child_begging": Kind("ANY", (6, 11), ("FORCED_BEGGING", "CHILD_LABOUR"), "BEGGING", "begging", "begging"),
    "boy_mining": Kind("MAN", (14, 17), ("LABOUR", "CHILD_LABOUR"), "MINING", "mining", "mining_minor"),
    "man_mining": Kind("MAN", (19, 45), ("LABOUR",), "MINING", "mining", "mining"),
    "man_logging": Kind("MAN", (20, 52), ("LABOUR",), "LOGGING", "logging", "logging"),
    "older_man_logging": Kind("MAN", (61, 66), ("LABOUR", "SERVITUDE"), "LOGGING", "logging", "older_servitude"),
    "older_woman_herding": Kind("WOMAN", (62, 70), ("SERVITUDE",), "AGRICULTURE", "herding", "older_servitude"),
    "boy_criminality": Kind("MAN", (15, 17), ("FORCED_CRIMINALITY",), "", "criminality", "criminality"),
    "man_brick": Kind("MAN", (24, 50), ("LABOUR",), "BRICK_MAKING", "brick", "brick"),
    "man_agriculture": Kind("MAN", (21, 45), ("LABOUR",), "AGRICULTURE", "agriculture", "agriculture"),
    "girl_marriage": Kind("WOMAN", (14, 17), ("FORCED_MARRIAGE", "SERVITUDE"), "", "marriage", "marriage"),
    "woman_hospitality": Kind("WOMAN", (18, 26), ("LABOUR", "SEXUAL"), "HOSPITALITY", "hospitality", "hospitality"),
}

# Per office: cases that are always there (kind, age evidence), then weights for the rest.
# Age evidence: "auto" (mostly an exact date of birth), "exact", "range" (an estimated age
# range, no date of birth), "straddle" (an estimated range across 18: a presumed minor).
CASE_PLANS = {
    "LIM": (
        (("child_begging", "exact"), ("migrant_woman_sexual", "straddle"), ("trans_woman_sexual", "auto"), ("man_brick", "auto"),
         ("woman_domestic", "auto")),
        {"girl_sexual": 4, "young_woman_sexual": 3, "migrant_woman_sexual": 3, "woman_sexual": 2, "girl_domestic": 2, "man_agriculture": 1},
    ),
    "MDD": (
        (("older_man_logging", "exact"), ("boy_mining", "straddle"), ("man_mining", "range"), ("girl_sexual", "straddle")),
        {"girl_sexual": 5, "young_woman_sexual": 3, "man_mining": 2, "man_logging": 2, "woman_sexual": 1, "migrant_woman_sexual": 1},
    ),
    "CUS": (
        (("child_begging", "range"), ("boy_criminality", "auto"), ("girl_domestic", "exact")),
        {"girl_sexual": 3, "girl_domestic": 2, "young_woman_sexual": 2, "woman_sexual": 1, "man_agriculture": 1, "child_begging": 1},
    ),
    "PUN": (
        (("older_woman_herding", "auto"), ("girl_sexual", "straddle"), ("man_mining", "auto")),
        {"girl_sexual": 3, "young_woman_sexual": 2, "girl_domestic": 1, "migrant_woman_sexual": 1, "boy_mining": 1, "woman_sexual": 1},
    ),
    "LOR": (
        (("girl_sexual", "straddle"), ("man_logging", "range"), ("girl_marriage", "auto")),
        {"girl_sexual": 3, "young_woman_sexual": 2, "woman_hospitality": 1, "migrant_woman_sexual": 1, "man_logging": 1},
    ),
}  # fmt: skip

# --- Staff -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    first_name: str
    last_name: str
    is_staff: bool = False


DEMO_LOGINS = (
    Login("caseworker", Role.CASEWORKER, "Alicia", "Quispe Rojas"),
    Login("supervisor", Role.SUPERVISOR, "Rocío", "Salazar Vega"),
    Login("auditor", Role.AUDITOR, "Aurelio", "Paredes Soto"),
    Login("administrator", Role.ADMINISTRATOR, "Adriana", "Torres Linares", is_staff=True),
)
LOGINS_BY_NAME = {login.username: login for login in DEMO_LOGINS}


@dataclass(frozen=True)
class Member:
    gender: str
    disciplines: tuple
    sector: str
    languages: tuple
    trained_months_ago: int | None  # None: never trained on trafficking
    child: bool = False
    cap: int = 20
    supervisor: bool = False
    login: str = ""  # one of DEMO_LOGINS, else a username is made from the name
    active: bool = True


M = Member
# Deliberately thin where reality is thin: in Madre de Dios the only psychologist is a woman
# whose training has lapsed and there is no man psychologist; some training is older than 24
# months everywhere; interpreters cover the original languages of their regions.
ROSTERS = {
    "LIM": (
        M("WOMAN", ("SOCIAL_WORK", "CASE_MANAGEMENT"), "SOCIAL_PROTECTION", ("spa",), 5, login="caseworker"),
        M("WOMAN", ("PSYCHOLOGY",), "SOCIAL_PROTECTION", ("spa", "eng"), 8, child=True, cap=10, supervisor=True, login="supervisor"),
        M("WOMAN", ("PSYCHOLOGY",), "SOCIAL_PROTECTION", ("spa",), 3, child=True, cap=15),
        M("MAN", ("PSYCHOLOGY",), "HEALTH", ("spa",), 14, cap=15),
        M("WOMAN", ("LAW",), "JUSTICE", ("spa",), 10, cap=30),
        M("MAN", ("LAW",), "JUSTICE", ("spa",), 31, cap=30),
        M("WOMAN", ("MEDICINE",), "HEALTH", ("spa", "que"), 18),
        M("TRANS_WOMAN", ("SOCIAL_WORK",), "CIVIL_SOCIETY", ("spa", "eng"), 6),
        M("MAN", ("POLICE",), "POLICE", ("spa",), 20),
        M("NON_BINARY", ("PSYCHOLOGY", "CASE_MANAGEMENT"), "CIVIL_SOCIETY", ("spa", "por"), 2, child=True, cap=15),
        M("MAN", ("SOCIAL_WORK",), "MIGRATION", ("spa",), 22),
    ),
    "MDD": (
        M("WOMAN", ("SOCIAL_WORK",), "SOCIAL_PROTECTION", ("spa", "que"), 9, cap=10, supervisor=True),
        M("WOMAN", ("PSYCHOLOGY",), "SOCIAL_PROTECTION", ("spa",), 28, cap=15),
        M("WOMAN", ("SOCIAL_WORK",), "SOCIAL_PROTECTION", ("spa",), 11, child=True),
        M("MAN", ("LAW",), "JUSTICE", ("spa",), 7, cap=30),
        M("MAN", ("POLICE",), "POLICE", ("spa", "que"), 15),
        M("WOMAN", ("NURSING",), "HEALTH", ("spa", "que"), 26),
        M("MAN", ("INTERPRETER",), "CIVIL_SOCIETY", ("spa", "mcb", "cni"), None, cap=25),
        M("MAN", ("SOCIAL_WORK",), "LOCAL_GOVERNMENT", ("spa",), 4),
    ),
    "CUS": (
        M("MAN", ("PSYCHOLOGY",), "SOCIAL_PROTECTION", ("spa", "que"), 6, cap=10, supervisor=True),
        M("WOMAN", ("PSYCHOLOGY",), "SOCIAL_PROTECTION", ("spa", "que"), 12, child=True, cap=15),
        M("WOMAN", ("SOCIAL_WORK",), "SOCIAL_PROTECTION", ("spa", "que"), 3),
        M("WOMAN", ("LAW",), "JUSTICE", ("spa", "que"), 16, cap=30),
        M("MAN", ("MEDICINE",), "HEALTH", ("spa",), 33),
        M("TRANS_WOMAN", ("EDUCATION",), "CIVIL_SOCIETY", ("spa", "que", "eng"), 9, child=True),
        M("MAN", ("INTERPRETER",), "LOCAL_GOVERNMENT", ("que", "spa"), 19, cap=25),
    ),
    "PUN": (
        M("WOMAN", ("SOCIAL_WORK",), "SOCIAL_PROTECTION", ("spa", "aym", "que"), 10, cap=10, supervisor=True),
        M("MAN", ("PSYCHOLOGY",), "HEALTH", ("spa", "que"), 7, cap=15),
        M("WOMAN", ("PSYCHOLOGY",), "SOCIAL_PROTECTION", ("spa", "aym"), 21, child=True, cap=15),
        M("WOMAN", ("LAW",), "JUSTICE", ("spa",), 13, cap=30),
        M("MAN", ("POLICE",), "POLICE", ("spa", "aym"), 40),
        M("WOMAN", ("NURSING",), "HEALTH", ("spa", "que"), 5),
        M("NON_BINARY", ("INTERPRETER",), "CIVIL_SOCIETY", ("aym", "que", "spa"), 15, cap=25),
    ),
    "LOR": (
        M("WOMAN", ("PSYCHOLOGY",), "SOCIAL_PROTECTION", ("spa",), 4, cap=10, supervisor=True),
        M("WOMAN", ("SOCIAL_WORK",), "SOCIAL_PROTECTION", ("spa", "shp"), 8, child=True),
        M("MAN", ("LAW",), "JUSTICE", ("spa",), 17, cap=30),
        M("WOMAN", ("LAW",), "CIVIL_SOCIETY", ("spa", "por"), 27, cap=30),
        M("MAN", ("MEDICINE",), "HEALTH", ("spa",), 12),
        M("WOMAN", ("INTERPRETER",), "CIVIL_SOCIETY", ("shp", "spa"), 2, cap=25),
        M("MAN", ("INTERPRETER", "SOCIAL_WORK"), "LOCAL_GOVERNMENT", ("agr", "spa"), None, cap=25, active=False),
    ),
}
STAFF_SURNAMES = {
    "LIM": SURNAMES_GENERAL,
    "MDD": SURNAMES_GENERAL + SURNAMES_QUECHUA,
    "CUS": SURNAMES_QUECHUA + SURNAMES_GENERAL,
    "PUN": SURNAMES_AYMARA + SURNAMES_GENERAL,
    "LOR": SURNAMES_AMAZON + SURNAMES_GENERAL,
}


# --- Plans: pure functions of the seed and `today` --------------------------------------------


@dataclass(frozen=True)
class StaffPlan:
    username: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool
    office: str  # code, or "" for the auditor and the administrator (no staff profile)
    profile: dict


def _ascii_slug(text):
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(ch for ch in folded if ch.isalpha())


def _months_before(today, months):
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return datetime.date(year, month + 1, min(today.day, 28))


def _two_surnames(rng, pool):
    first = rng.choice(pool)
    second = rng.choice([name for name in pool if name != first])
    return f"{first} {second}"


def _staff_given_name(rng, gender):
    if gender in {"WOMAN", "TRANS_WOMAN"}:
        return rng.choice(WOMEN_OLDER + WOMEN_YOUNG)
    if gender == "MAN":
        return rng.choice(MEN_OLDER + MEN_YOUNG)
    return rng.choice(NEUTRAL)


def staff_plan(today):
    """Every demo user, in a fixed order; usernames are stable for a given seed."""
    rng = random.Random(f"{SEED}:staff")
    plans, taken = [], set(LOGINS_BY_NAME)
    for code, _name, region, _cases in OFFICES:
        for member in ROSTERS[code]:
            # Draw a name for everyone, logins included, so that the draws never shift.
            first_name, last_name = _staff_given_name(rng, member.gender), _two_surnames(rng, STAFF_SURNAMES[code])
            jitter = rng.randint(0, 27)
            if member.login:
                login = LOGINS_BY_NAME[member.login]
                username, first_name, last_name = login.username, login.first_name, login.last_name
            else:
                base = f"{_ascii_slug(first_name.split()[0])}.{_ascii_slug(last_name.split()[0])}"
                username, suffix = base, 1
                while username in taken:
                    suffix += 1
                    username = f"{base}{suffix}"
            taken.add(username)
            trained = None
            if member.trained_months_ago is not None:
                trained = _months_before(today, member.trained_months_ago) - datetime.timedelta(days=jitter)
            plans.append(
                StaffPlan(
                    username=username,
                    first_name=first_name,
                    last_name=last_name,
                    role=Role.SUPERVISOR if member.supervisor else Role.CASEWORKER,
                    is_staff=False,
                    office=code,
                    profile={
                        "gender": member.gender,
                        "disciplines": list(member.disciplines),
                        "sector": member.sector,
                        "region": region,
                        "languages": list(member.languages),
                        "specialisation_trained_on": trained,
                        "child_specialised": member.child,
                        "caseload_cap": member.cap,
                        "active": member.active,
                    },
                )
            )
    for login in DEMO_LOGINS:
        if login.role in {Role.AUDITOR, Role.ADMINISTRATOR}:
            plans.append(StaffPlan(login.username, login.first_name, login.last_name, login.role, login.is_staff, "", {}))
    return plans


@dataclass(frozen=True)
class CasePlan:
    person_fields: dict
    case_fields: dict
    consent: dict | None


def _digits(rng, count, first="123456789"):
    return rng.choice(first) + "".join(rng.choice("0123456789") for _i in range(count - 1))


def _birth_date_for_age(rng, today, age):
    """A birth date on which the person is exactly `age` years old `today`."""
    latest = datetime.date(today.year - age, today.month, min(today.day, 28))
    return latest - datetime.timedelta(days=rng.randint(0, 330))


def _document(rng, nationality, evidence, age):
    if evidence in {"range", "straddle"}:
        return "NONE", ""
    if nationality == "PER":
        if rng.random() < 0.1:
            return "NONE", ""
        return "DNI", _digits(rng, 8, first="4567" if age >= ADULT_AGE else "6789")
    if nationality == "VEN":
        kind = rng.choice(("PASSPORT", "PASSPORT", "CE", "PTP", "NONE"))
        return kind, {"PASSPORT": _digits(rng, 9), "CE": "00" + _digits(rng, 7), "PTP": _digits(rng, 9), "NONE": ""}[kind]
    if nationality == "BOL":
        return ("OTHER", _digits(rng, 7)) if rng.random() < 0.7 else ("NONE", "")
    if nationality == "COL":
        return ("PASSPORT", "A" + rng.choice("BCDEFGHJKL") + _digits(rng, 6)) if rng.random() < 0.7 else ("NONE", "")
    return "NONE", ""


def _phone(rng, age):
    if age < 13 or rng.random() < 0.25:
        return ""
    return f"+51 9{_digits(rng, 2, first='0123456789')} {_digits(rng, 3, first='0123456789')} {_digits(rng, 3, first='0123456789')}"


def _address(rng, code, age, status):
    in_care = status in {"IMMEDIATE_ASSISTANCE", "REINTEGRATION_PLANNING", "REINTEGRATION_ACTIVE"}
    if in_care and rng.random() < 0.5:
        if age < ADULT_AGE:
            return "Centro de Acogida Residencial (dirección reservada)"
        return "Hogar de refugio temporal (dirección reservada)"
    template = rng.choice(ADDRESSES[code])
    return template.format(n=rng.randint(100, 1899), mz=rng.choice("ABCDEFGHJK"), lt=rng.randint(1, 30))


def _given_name(rng, gender, age, nationality, languages):
    if nationality in FOREIGN:
        return rng.choice(FOREIGN[nationality][0]) if gender != "MAN" else rng.choice(("Yonaiker", "José Gregorio", "Deivis", "Jesús"))
    indigenous = any(code in {"que", "aym"} for code in languages)
    if gender == "MAN":
        return rng.choice(MEN_YOUNG if age < 35 else MEN_OLDER)
    if age >= 55:
        pool = WOMEN_ANDEAN_OLD + WOMEN_OLDER if indigenous else WOMEN_OLDER
    else:
        pool = WOMEN_YOUNG + WOMEN_ANDEAN_YOUNG if indigenous else WOMEN_YOUNG
    name = rng.choice(pool)
    if age >= 18 and name != "María" and rng.random() < 0.15:
        name = f"María {name}"
    return name


# (months since the case was opened, less than; weights of the statuses it may have reached)
STATUS_BY_MONTHS = (
    (1, {"INTAKE": 2, "IMMEDIATE_ASSISTANCE": 1}),
    (3, {"IMMEDIATE_ASSISTANCE": 2, "REINTEGRATION_PLANNING": 2}),
    (12, {"REINTEGRATION_PLANNING": 2, "REINTEGRATION_ACTIVE": 4, "CLOSED_REFERRED": 1}),
    (24, {"REINTEGRATION_ACTIVE": 2, "FOLLOW_UP": 4, "LOST_CONTACT": 1, "CLOSED_REFERRED": 1}),
    (None, {"FOLLOW_UP": 2, "CLOSURE_PENDING": 2, "CLOSED": 4, "LOST_CONTACT": 1}),
)
TRAFFICKING_STATUS = {  # weights by case status; CONFIRMED where not listed
    "INTAKE": {"POSSIBLE": 1},
    "IMMEDIATE_ASSISTANCE": {"POSSIBLE": 2, "CONFIRMED": 1},
    "REINTEGRATION_PLANNING": {"POSSIBLE": 1, "CONFIRMED": 2},
    "CLOSED_REFERRED": {"NOT_A_VICTIM": 1, "CONFIRMED": 1},
}


def _weighted(rng, weights):
    names = sorted(weights)
    return rng.choices(names, weights=[weights[name] for name in names])[0]


def _status_and_dates(rng, today, opened, minor):
    months = (today - opened).days / 30.4
    status = next(_weighted(rng, weights) for limit, weights in STATUS_BY_MONTHS if limit is None or months < limit)
    dates = {"reintegration_started_on": None, "care_ended_on": None, "closed_on": None}
    if status == "CLOSED_REFERRED":
        dates["closed_on"] = opened + datetime.timedelta(days=rng.randint(20, 120))
        return status, dates
    if status in {"REINTEGRATION_ACTIVE", "FOLLOW_UP", "CLOSURE_PENDING", "CLOSED", "LOST_CONTACT"}:
        dates["reintegration_started_on"] = opened + datetime.timedelta(days=rng.randint(30, 90))
    if status in {"FOLLOW_UP", "CLOSURE_PENDING", "CLOSED", "LOST_CONTACT"}:
        ended = dates["reintegration_started_on"] + datetime.timedelta(days=rng.randint(60, 240))
        dates["care_ended_on"] = min(ended, today - datetime.timedelta(days=35))
    if status in {"CLOSURE_PENDING", "CLOSED"}:
        # Earliest closure (DOMAIN.md section 8): minors 24 months after the end of care, adults 12.
        earliest = dates["care_ended_on"] + datetime.timedelta(days=730 if minor else 365)
        if earliest > today:
            status = "FOLLOW_UP"
        elif status == "CLOSED":
            dates["closed_on"] = min(earliest + datetime.timedelta(days=rng.randint(0, 60)), today)
    return status, dates


def _trafficking_status(rng, status):
    return _weighted(rng, TRAFFICKING_STATUS.get(status, {"CONFIRMED": 1}))


def _notes(rng, gender, age, languages):
    fitting = [note for note, low, high in NOTES if low <= age <= high and (gender != "MAN" or (note, low, high) not in WOMEN_ONLY_NOTES)]
    notes = rng.sample(fitting, rng.choice((0, 1, 1, 2)))
    if languages[0] != "spa":
        notes.append(NOTE_OWN_LANGUAGE if "spa" in languages else NOTE_INTERPRETER)
    return notes


def _age_evidence(rng, today, evidence, age, estimated_on):
    """Person fields for the age: a birth date (exact or estimated) or an estimated range."""
    if evidence in {"range", "straddle"}:
        width = 2 if age < ADULT_AGE else rng.choice((5, 10))
        if evidence == "straddle":
            width = max(ADULT_AGE + 1, age + 3) - age  # e.g. 16-19: may be under 18
        elapsed = years_between(estimated_on, today)
        low = max(age - elapsed, 0)
        estimate = {"min": low, "max": low + width, "estimated_on": estimated_on.isoformat()}
        return {"birth_date": None, "age_estimate": estimate, "birth_date_is_estimated": False}
    birth = _birth_date_for_age(rng, today, age)
    # Some adults only know the year they were born: 1 July of it, flagged as an estimate.
    if evidence == "auto" and (23 <= age <= 57 or age >= 62) and rng.random() < 0.25:
        return {"birth_date": birth.replace(month=7, day=1), "age_estimate": None, "birth_date_is_estimated": True}
    return {"birth_date": birth, "age_estimate": None, "birth_date_is_estimated": False}


def _one_case(rng, code, today, kind_name, evidence, used_names):
    kind = KINDS[kind_name]
    age = rng.choice((16, 17)) if evidence == "straddle" else rng.randint(*kind.ages)
    gender = rng.choice(("WOMAN", "WOMAN", "MAN")) if kind.gender == "ANY" else kind.gender
    if kind.migrant or (kind_name == "trans_woman_sexual" and rng.random() < 0.5):
        nationality = MIGRANT_NATIONALITY[code]
        languages = ["aym", "spa"] if nationality == "BOL" and rng.random() < 0.5 else ["spa"]
        surnames = FOREIGN[nationality][1]
    else:
        nationality = "PER"
        weights, language_sets, pools = zip(*ORIGINS[code], strict=True)
        index = rng.choices(range(len(weights)), weights=weights)[0]
        languages, surnames = list(language_sets[index]), pools[index]
        if age >= 60 and "spa" in languages and len(languages) > 1 and rng.random() < 0.5:
            languages = [languages[0]]  # an older person who speaks only the original language

    if evidence == "auto" and nationality == "PER" and age < ADULT_AGE and rng.random() < 0.15:
        evidence = "range"  # no papers and no one to say when the child was born
    document_type, document_number = _document(rng, nationality, evidence, age)
    if evidence == "auto" and document_type == "NONE" and rng.random() < 0.6:
        evidence = "range"

    # Recent cases are more numerous; estimated minors are recent (their age is still being assessed).
    days_open = rng.randint(5, 300) if evidence in {"straddle", "range"} and age < ADULT_AGE else int(rng.triangular(0, 1300, 90))
    opened = today - datetime.timedelta(days=days_open)
    identified = opened - datetime.timedelta(days=rng.randint(0, 7))
    status, dates = _status_and_dates(rng, today, opened, minor=age < ADULT_AGE)
    age_fields = _age_evidence(rng, today, evidence, age, identified)

    agree = {"o": "a" if gender != "MAN" else "o", "lo": "la" if gender != "MAN" else "lo"}
    place = rng.choice(PLACES[code][kind.place])
    summary = rng.choice(STORIES[kind.story]).format(place=place, job=rng.choice(JOBS), **agree)
    trafficking_status = _trafficking_status(rng, status)
    if status == "CLOSED_REFERRED":
        if trafficking_status == "NOT_A_VICTIM":
            outcome = OUTCOMES["NOT_A_VICTIM", "sexual" if "SEXUAL" in kind.exploitation else "labour"]
        else:
            outcome = OUTCOMES["CONFIRMED", "minor" if age < ADULT_AGE else "adult"]
        summary += " " + outcome.format(**agree)
    notes = _notes(rng, gender, age, languages)
    given_names, family_names = _given_name(rng, gender, age, nationality, languages), _two_surnames(rng, surnames)
    while (given_names, family_names) in used_names:  # a demo is clearer without namesakes
        family_names = _two_surnames(rng, surnames)
    used_names.add((given_names, family_names))
    aliases = [rng.choice(ALIASES)] if "SEXUAL" in kind.exploitation and age >= 15 and rng.random() < 0.3 else []

    person_fields = {
        "given_names": given_names,
        "family_names": family_names,
        "aliases": aliases,
        **age_fields,
        "document_type": document_type,
        "document_number": document_number,
        "languages": languages,
        "phone": _phone(rng, age),
        "address": _address(rng, code, age, status),
        "notes": " ".join(note.format(**agree) for note in notes),
        "gender": gender,
        "nationality": nationality,
    }
    case_fields = {
        "status": status,
        "trafficking_status": trafficking_status,
        "exploitation_types": list(kind.exploitation),
        "labour_sector": kind.labour_sector,
        "identified_on": identified,
        "opened_on": opened,
        **dates,
        "place_identified": rng.choice(PLACE_IDENTIFIED[code]),
        "summary": summary,
    }
    minor = age < ADULT_AGE or evidence == "straddle"
    person_fields.update(_safe_contact(rng, age))
    case_fields.update(_needs(rng, kind, age, gender, nationality, languages, document_type, status))
    consent = None if status == "INTAKE" and rng.random() < 0.5 else _consent(rng, identified, minor)
    if status != "INTAKE":
        case_fields.update(intake_sections=list(INTAKE_SECTIONS), intake_completed_on=min(opened + datetime.timedelta(days=2), today))
    elif consent:
        case_fields["intake_sections"] = ["identity", "situation", "consent"]
    return CasePlan(person_fields, case_fields, consent)


def _needs(rng, kind, age, gender, nationality, languages, document_type, status):
    """The service codes a case of this kind typically needs; urgent ones are recent intakes."""
    if age < ADULT_AGE:
        needs = [rng.choice(("SHELTER_MINORS", "FAMILY_CARE")), "PSYCHOLOGICAL", "EDUCATION", "LEGAL_AID"]
    else:
        shelter = "SHELTER_MEN" if gender == "MAN" else "SHELTER_WOMEN"
        needs = [shelter, "PSYCHOLOGICAL", "LEGAL_AID", rng.choice(("EMPLOYMENT", "VOCATIONAL_TRAINING", "LIVELIHOOD"))]
    if "SEXUAL" in kind.exploitation:
        needs.append("SEXUAL_REPRODUCTIVE_HEALTH")
    if nationality != "PER":
        needs.append("MIGRATION_STATUS")
    if document_type == "NONE":
        needs.append("IDENTITY_DOCUMENTS")
    if "spa" not in languages:
        needs.append("INTERPRETATION")
    return {"needs": needs, "urgent": status == "INTAKE" and rng.random() < 0.4}


def _safe_contact(rng, age):
    channels = ["OFFICE_VISIT"] if age < 14 else rng.sample(["WHATSAPP", "PHONE_CALL", "OFFICE_VISIT", "TRUSTED_PERSON"], 2)
    fields = {"safe_channels": channels, "safe_hours": rng.choice(SAFE_HOURS)}
    if rng.random() < 0.3:
        fields.update(contact_kept_secret=True, must_not_know=rng.choice(MUST_NOT_KNOW), code_word=rng.choice(CODE_WORDS))
    return fields


def _consent(rng, given_on, minor):
    consent = {
        "given_on": given_on,
        "method": rng.choice(("WRITTEN", "WRITTEN", "FINGERPRINT", "VERBAL_WITNESSED")),
        "services": True,
        "share_with": sorted(rng.sample(["JUSTICE", "HEALTH", "SOCIAL_PROTECTION", "LEGAL_AID", "SHELTER", "EDUCATION"], 3)),
        "follow_up_contact": True,
        "follow_up_channels": ["OFFICE_VISIT"],
        "statistics": rng.random() < 0.85,
    }
    if minor:
        consent.update(
            child_assent=rng.choice(("GIVEN", "GIVEN", "GIVEN", "NOT_POSSIBLE")),
            guardian_kind=rng.choice(("PROTECTION_UNIT", "PROTECTION_UNIT", "PARENT")),
            guardian_consent_on=given_on,
            guardian_method="WRITTEN",
        )
    return consent


def case_plan(code, count, today):
    """The `count` cases of an office, in a fixed order: the first n are what n cases should be."""
    rng = random.Random(f"{SEED}:cases:{code}")
    fixed, weights = CASE_PLANS[code]
    entries = list(fixed)
    names = sorted(weights)
    while len(entries) < count:
        entries.append((rng.choices(names, weights=[weights[name] for name in names])[0], "auto"))
    entries = entries[:count]
    rng.shuffle(entries)
    used_names = set()
    return [_one_case(rng, code, today, kind_name, evidence, used_names) for kind_name, evidence in entries]


# --- The command -----------------------------------------------------------------------------


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Loads fictional demo data: five offices, about forty staff, sixty cases and one login per role. "
            "Safe to run again: only what is missing is created, and existing passwords are kept."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=_("Set and show new passwords for the four demo logins (caseworker, supervisor, auditor, administrator)."),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=_("Run even though DEBUG is off. Demo data and known logins do not belong in a real database."),
        )

    def handle(self, *, reset_passwords, allow_production, verbosity, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                _(
                    "DEBUG is off, so this may be a real database: fictional cases and known logins must not be mixed with real ones. "
                    "Run with DEBUG=1, or add --allow-production if this really is a demo server."
                )
            )
        today = timezone.localdate()
        quiet = verbosity == 0
        ensure_roles()
        offices, offices_created = self._offices()
        users_created, users_existing, passwords = self._staff(offices, today, quiet=quiet)
        if reset_passwords:
            passwords.update(self._reset_passwords(exclude=passwords))
        cases_created, cases_existing = self._cases(offices, today, quiet=quiet)
        teams_formed, teams_failed = self._teams(today)

        if not quiet:
            self.stdout.write("")
            self.stdout.write(_("Summary"))
            for label, created, existing in (
                (_("Offices"), offices_created, len(offices) - offices_created),
                (_("Staff users"), users_created, users_existing),
                (_("Cases"), cases_created, cases_existing),
            ):
                line = _("%(what)s: %(created)d created, %(existing)d already there")
                self.stdout.write("  " + line % {"what": label, "created": created, "existing": existing})
            self.stdout.write(
                "  "
                + _("Teams: %(formed)d formed, %(failed)d could not be formed (the gaps show in the capacity report)")
                % {"formed": teams_formed, "failed": teams_failed}
            )
        self._show_logins(passwords, quiet=quiet)  # new passwords are shown even with -v0: they exist nowhere else

    def _offices(self):
        offices, created = {}, 0
        for code, name, region, _count in OFFICES:
            office, made = Office.objects.get_or_create(code=code, defaults={"name": name, "region": region})
            offices[code], created = office, created + made
        return offices, created

    def _staff(self, offices, today, *, quiet):
        plans = staff_plan(today)
        groups = {group.name: group for group in Group.objects.filter(name__in=[role.value for role in Role])}
        existing = set(User.objects.filter(username__in=[plan.username for plan in plans]).values_list("username", flat=True))
        missing = [plan for plan in plans if plan.username not in existing]
        passwords = {}
        for plan in tqdm(missing, desc=_("Staff"), unit=" " + _("users"), file=sys.stderr, disable=quiet or not missing):
            password = secrets.token_urlsafe(12) if plan.username in LOGINS_BY_NAME else None
            with transaction.atomic():
                user = User(
                    username=plan.username,
                    first_name=plan.first_name,
                    last_name=plan.last_name,
                    email=f"{plan.username}@demo.invalid",
                    is_staff=plan.is_staff,
                )
                if password:
                    user.set_password(password)
                else:
                    user.set_unusable_password()
                user.save()
                user.groups.add(groups[plan.role])
                if plan.office:
                    profile = StaffProfile(user=user, office=offices[plan.office], **plan.profile)
                    profile.full_clean()
                    profile.save()
                    if plan.role == Role.SUPERVISOR:
                        profile.supervised_offices.add(profile.office)
            if password:
                passwords[plan.username] = password
        return len(missing), len(existing), passwords

    def _reset_passwords(self, *, exclude):
        passwords = {}
        for user in User.objects.filter(username__in=list(LOGINS_BY_NAME)).exclude(username__in=list(exclude)):
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            passwords[user.username] = password
        return passwords

    def _cases(self, offices, today, *, quiet):
        # The demo caseworker took the intakes of their office's cases, so they have cases to work on.
        taker = StaffProfile.objects.filter(user__username="caseworker").select_related("user", "office").first()
        wanted = {code: count for code, _name, _region, count in OFFICES}
        have = {code: Case.objects.filter(office=offices[code]).count() for code in wanted}
        missing = sum(max(wanted[code] - have[code], 0) for code in wanted)
        created = 0
        with tqdm(total=missing, desc=_("Cases"), unit=" " + _("cases"), file=sys.stderr, disable=quiet or not missing) as bar:
            for code, count in wanted.items():
                if have[code] >= count:
                    continue
                for plan in case_plan(code, count, today)[have[code] :]:
                    services.case_open(
                        actor=taker.user if taker and taker.office.code == code else None,
                        office=offices[code],
                        person_fields=plan.person_fields,
                        case_fields=plan.case_fields,
                        consent=plan.consent,
                        today=today,
                    )
                    created += 1
                    bar.update(1)
        return created, sum(min(have[code], wanted[code]) for code in wanted)

    def _teams(self, today):
        """A team for each case the solver can staff, as its office's supervisor would confirm it.

        The demo caseworker's office is left without teams, so that the caseworker keeps the cases
        of their intakes and has teams to propose. Each case is proposed for once (idempotent).
        """
        taker = StaffProfile.objects.filter(user__username="caseworker").values_list("office_id", flat=True).first()
        cases = Case.objects.filter(team__isnull=True, team_proposals__isnull=True).exclude(office_id=taker)
        cases = cases.select_related("person", "office")
        formed = failed = 0
        for case in cases.order_by("reference"):
            supervisor = supervisors_of(case.office_id).order_by("username").first()
            if supervisor is None:
                continue
            result = staffing.team_propose(case=case, today=today)
            if isinstance(result, teams.Proposal):
                member_ids = [member.id for member in result.members]
                staffing.team_assign(actor=supervisor, case=case, member_ids=member_ids, lead_id=result.lead, today=today)
                formed += 1
            else:
                failed += 1
        return formed, failed

    def _show_logins(self, passwords, *, quiet):
        if passwords:
            self.stdout.write("")
            self.stdout.write(self.style.WARNING(_("Demo logins (shown once): username / password")))
            for login in DEMO_LOGINS:
                if login.username in passwords:
                    self.stdout.write(f"  {login.username} / {passwords[login.username]}")
            self.stdout.write(_("The passwords are not stored anywhere in clear: note them now. --reset-passwords sets new ones."))
            self.stdout.write(
                _("The supervisor and the administrator then enrol an authenticator app (a QR code is shown at their first sign-in).")
            )
        unchanged = [login.username for login in DEMO_LOGINS if login.username not in passwords]
        if unchanged and not quiet:
            self.stdout.write("")
            self.stdout.write(
                _("These demo logins already exist and are unchanged: %(usernames)s (run with --reset-passwords for new passwords).")
                % {"usernames": ", ".join(unchanged)}
            )
