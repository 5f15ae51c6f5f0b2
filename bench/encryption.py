"""Encrypted fields against plaintext and against django-fernet-encrypted-fields.

10,000 fictional persons, the same values for every variant, each saved with Model.save() in
transactions of 500, then all loaded back with every field read. The variants take turns within
each repeat (plain, ours, fernet; three times) so that a slow spell of the machine or a growing
database file does not land on one of them; the medians of the three saves and three loads are reported.
"""

import datetime
import random

from django.db import transaction

from bench.benchapp.models import PERSON_FIELDS, FernetPerson, OursPerson, PlainPerson
from bench.common import Samples, goal, seconds

PERSONS = 10_000
BATCH = 500
REPEATS = 3
SEED = 20260301
VARIANTS = {"plain": PlainPerson, "ours": OursPerson, "fernet": FernetPerson}

# Fictional values in the shape of Peruvian records; any resemblance to a real person is chance.
_GIVEN = ["María", "Rosa", "Luz", "Carmen", "Yesenia", "Milagros", "Flor", "Nayeli", "Gladys", "Roxana", "Maribel", "Lizbeth"]
_GIVEN += ["José", "Juan Carlos", "Luis", "Jhon", "Wilmer", "Edwin"]
_SECOND_GIVEN = ["Isabel", "Elena", "del Pilar", "Esther", "Luz", "Angélica", "Beatriz", "Alberto", "Miguel", "Rosa"]
_FAMILY = ["Quispe", "Mamani", "Huamán", "Flores", "Condori", "Ccahuana", "Choque", "Rojas", "Vargas", "Torres", "Apaza"]
_FAMILY += ["Chávez", "Ramos", "Sánchez", "Huillca", "Ticona", "Pari", "Cusi", "Gutiérrez", "Ayala", "Yupanqui", "Salazar"]
_ALIASES = ["Flaca", "Negrita", "Chola", "Gringa", "Peque", "Charapita", "Mechita", "Rosita", "Lucecita", "Kathy"]
_STREETS = ["Jr. Huallaga", "Av. Los Incas", "Calle Las Begonias", "Psje. San Martín", "Av. Túpac Amaru", "Jr. Ayacucho"]
_STREETS += ["Mz. F Lt. 12 A.H. Villa Hermosa", "Av. Próceres de la Independencia"]
_PLACES = ["San Juan de Lurigancho, Lima", "Villa El Salvador, Lima", "Cercado de Lima, Lima", "Juliaca, Puno", "Wanchaq, Cusco"]
_PLACES += ["Puerto Maldonado, Madre de Dios", "Iquitos, Loreto", "Castilla, Piura", "Laberinto, Tambopata, Madre de Dios"]
_NOTES = (
    "Identificada en operativo conjunto con la Policía en un bar de la zona minera.",
    "Refiere haber sido captada con una oferta de trabajo como ayudante de cocina.",
    "Manifiesta que le retuvieron el DNI y le cobraban una deuda por el pasaje.",
    "Se coordinó albergue temporal y acompañamiento psicológico.",
    "La madre vive en la comunidad de origen; se evaluará el retorno con el equipo.",
    "Requiere atención médica de control y seguimiento de su matrícula escolar.",
    "Declaró ante fiscalía con presencia de la defensora pública.",
    "Prefiere comunicarse en quechua; se solicitó intérprete para la próxima entrevista.",
)


def fictional_people(count, seed=SEED):
    """The values every variant saves: generated once, from a seeded generator, so runs compare."""
    rng = random.Random(seed)
    start, span = datetime.date(1975, 1, 1), (datetime.date(2010, 12, 31) - datetime.date(1975, 1, 1)).days
    people = []
    for _ in range(count):
        given = rng.choice(_GIVEN) + (f" {rng.choice(_SECOND_GIVEN)}" if rng.random() < 0.5 else "")
        people.append(
            {
                "given_names": given,
                "family_names": f"{rng.choice(_FAMILY)} {rng.choice(_FAMILY)}",
                "aliases": rng.sample(_ALIASES, rng.choice((0, 0, 1, 1, 2))),
                "birth_date": start + datetime.timedelta(days=rng.randrange(span)),
                "document_number": f"{rng.randrange(10_000_000, 80_000_000)}" if rng.random() < 0.8 else "",
                "phone": f"+51 9{rng.randrange(10):d}{rng.randrange(10):d} {rng.randrange(1000):03d} {rng.randrange(1000):03d}"
                if rng.random() < 0.7
                else "",
                "address": f"{rng.choice(_STREETS)} {rng.randrange(100, 2000)}, {rng.choice(_PLACES)}",
                "notes": " ".join(rng.sample(_NOTES, rng.randint(1, 4))),
            }
        )
    return people


def save_all(model, people):
    """Model.save() per row (encryption and all), committed every BATCH rows."""
    for offset in range(0, len(people), BATCH):
        with transaction.atomic():
            for values in people[offset : offset + BATCH]:
                model(**values).save()


def load_all(model):
    """Every row back, every field read (our fields decrypt on read, Fernet's when loading)."""
    for person in model.objects.all():
        for name in PERSON_FIELDS:
            getattr(person, name)


def check_round_trip(model, people):
    """Untimed: the variant gives back what it was given (else the timings would mean nothing)."""
    for values in people:
        person = model(**values)
        person.save()
        stored = model.objects.get(pk=person.pk)
        for name in PERSON_FIELDS:
            got, expected = getattr(stored, name), values[name]
            if got != expected and not (expected == "" and got is None):  # Fernet stores "" as NULL
                raise AssertionError(f"{model.__name__}.{name} did not round-trip")


def run():
    people = fictional_people(PERSONS)
    # Warm up: key derivation (Fernet's PBKDF2 runs once per field), caches, query compilation.
    for model in VARIANTS.values():
        check_round_trip(model, people[:20])
        save_all(model, people[:BATCH])
        load_all(model)
        model.objects.all().delete()

    samples = Samples()
    for _ in range(REPEATS):
        for variant, model in VARIANTS.items():
            model.objects.all().delete()
            save_s = seconds(lambda model=model: save_all(model, people))
            load_s = seconds(lambda model=model: load_all(model))
            if model.objects.count() != PERSONS:
                raise AssertionError(f"{variant}: {model.objects.count()} rows stored, {PERSONS} saved")
            samples.add(f"{variant}_save_s", save_s)
            samples.add(f"{variant}_load_s", load_s)
    for model in VARIANTS.values():
        model.objects.all().delete()

    # total = median save + median load, so that the three figures of a variant add up.
    seconds_of = {}
    for variant in VARIANTS:
        save_s, load_s = samples.median(f"{variant}_save_s"), samples.median(f"{variant}_load_s")
        seconds_of[variant] = {"save": save_s, "load": load_s, "total": save_s + load_s}
    figures = {"persons": PERSONS, "batch": BATCH, "repeats": REPEATS}
    for variant, steps in seconds_of.items():
        for step, value in steps.items():
            figures[f"{variant}_{step}_s"] = round(value, 4)
    for other in ("plain", "fernet"):
        for step in ("save", "load", "total"):
            figures[f"ours_vs_{other}_{step}"] = round(seconds_of["ours"][step] / seconds_of[other][step], 3)
    goals = {
        "ours_vs_plain_total": goal(seconds_of["ours"]["total"] / seconds_of["plain"]["total"], "<= 1.3"),
        "ours_vs_fernet_total": goal(seconds_of["ours"]["total"] / seconds_of["fernet"]["total"], "< 1.0"),
    }
    return {"figures": figures, "goals": goals}
