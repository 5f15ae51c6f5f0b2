"""`manage.py import_services FILE.csv`: a provider directory into the catalogue, all or nothing.

One row per service, UTF-8 (with or without BOM), comma-separated, with this header:

    provider,provider_sector,provider_region,service,type,sector,regions,national,min_age,max_age,
    genders,exploitation_types,languages,residential,capacity,accepts_undocumented,accessible,specialised,active

Lists (regions, genders, exploitation_types, languages) are codes separated by ";"; booleans are
yes/no (sí/no, true/false, 1/0); empty ages and capacity mean no limit. Every row is checked
first; if any row is wrong, each problem is reported with its line number and nothing is written.
A provider is found by name and a service by provider and name, so importing a file again updates
what it describes instead of duplicating it.
"""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from referrals.models import Provider, Service

COLUMNS = (
    "provider",
    "provider_sector",
    "provider_region",
    "service",
    "type",
    "sector",
    "regions",
    "national",
    "min_age",
    "max_age",
    "genders",
    "exploitation_types",
    "languages",
    "residential",
    "capacity",
    "accepts_undocumented",
    "accessible",
    "specialised",
    "active",
)
LISTS = ("regions", "genders", "exploitation_types", "languages")
BOOLEANS = ("national", "residential", "accepts_undocumented", "accessible", "specialised", "active")
NUMBERS = ("min_age", "max_age", "capacity")
TRUE, FALSE = {"yes", "sí", "si", "true", "1", "y", "s"}, {"no", "false", "0", "n", ""}


def _boolean(value, column):
    folded = value.strip().casefold()
    if folded in TRUE:
        return True
    if folded in FALSE:
        return False
    raise ValidationError({column: _("Write yes or no.")})


def _number(value, column):
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({column: _("Write a whole number, or leave it empty for no limit.")})
    return int(value)


def _service_fields(row):
    fields = {"name": row["service"].strip(), "type": row["type"].strip(), "sector": row["sector"].strip()}
    errors = {}
    for column in LISTS:
        fields[column] = [code.strip() for code in row[column].split(";") if code.strip()]
    for column, parse in [*((column, _boolean) for column in BOOLEANS), *((column, _number) for column in NUMBERS)]:
        try:
            fields[column] = parse(row[column], column)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return fields


def parse_row(row):
    """The provider and service a row describes, validated as the admin site would, unsaved.

    Every problem of the row is reported at once (one ValidationError), not only the first.
    """
    errors = {}
    provider = Provider.objects.filter(name=row["provider"].strip()).first() or Provider(name=row["provider"].strip())
    provider.sector, provider.region = row["provider_sector"].strip(), row["provider_region"].strip()
    _collect(errors, lambda: provider.full_clean(validate_unique=False), prefix="provider_")
    fields = {}
    _collect(errors, lambda: fields.update(_service_fields(row)))
    service = Service.objects.filter(provider__name=provider.name, name=row["service"].strip()).first() or Service()
    for name, value in fields.items():
        setattr(service, name, value)
    if fields:
        _collect(errors, lambda: service.full_clean(exclude=["provider", *errors]))
    if errors:
        raise ValidationError(errors)
    return provider, service


def _collect(errors, check, prefix=""):
    try:
        check()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(f"{prefix}{field}" if field != "__all__" else field, []).extend(messages)


def _messages(error):
    if hasattr(error, "error_dict"):
        return [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
    return error.messages


def read_rows(path):
    """(line number, row) pairs; CommandError when the file or its header is unusable."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(_("Cannot read %(path)s as UTF-8 text: %(error)s") % {"path": path, "error": error}) from None
    reader = csv.DictReader(text.splitlines())
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise CommandError(_("The header lacks these columns: %(columns)s") % {"columns": ", ".join(missing)})
    return [(reader.line_num, row) for row in reader]


class Command(BaseCommand):
    help = "Imports a provider directory (CSV) into the service catalogue: every row valid, or nothing written."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        parsed, problems, seen = [], [], {}
        for line, row in read_rows(path):
            key = (row["provider"].strip(), row["service"].strip())
            if key in seen:
                problems.append(_("line %(line)d: the same service as line %(first)d") % {"line": line, "first": seen[key]})
                continue
            seen[key] = line
            try:
                parsed.append(parse_row(row))
            except ValidationError as error:
                problems += [_("line %(line)d: %(problem)s") % {"line": line, "problem": problem} for problem in _messages(error)]
        if problems:
            raise CommandError(_("Nothing was imported. Correct these rows:") + "\n" + "\n".join(problems))
        with transaction.atomic():
            providers = {}
            for provider, service in parsed:
                if provider.name not in providers:
                    provider.save()
                    providers[provider.name] = provider
                service.provider = providers[provider.name]
                service.save()
        self.stdout.write(_("%(count)d services imported.") % {"count": len(parsed)})
