"""`python -m bench [topic ...]`: every topic module in bench/, or only those named.

Each topic runs in a throwaway database of its own, so one topic's rows never slow another.
"""

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path

NOT_TOPICS = {"common", "settings"}


def available_topics():
    """Modules of bench/ that expose run(), found rather than listed so a new topic needs no wiring."""
    here = str(Path(__file__).resolve().parent)
    topics = []
    for module in pkgutil.iter_modules([here]):
        if module.ispkg or module.name.startswith("_") or module.name in NOT_TOPICS:
            continue
        if callable(getattr(importlib.import_module(f"bench.{module.name}"), "run", None)):
            topics.append(module.name)
    return sorted(topics)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run benchmarks; write bench/results/<topic>.json.")
    parser.add_argument("topics", nargs="*", help="topics to run (default: all)")
    arguments = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django
    from django.conf import settings

    django.setup()
    if "bench.benchapp" not in settings.INSTALLED_APPS:
        parser.error(f"DJANGO_SETTINGS_MODULE is {os.environ['DJANGO_SETTINGS_MODULE']}; the benchmarks need bench.settings")

    from bench import common

    topics = available_topics()
    unknown = sorted(set(arguments.topics) - set(topics))
    if unknown:
        parser.error(f"unknown topic(s): {', '.join(unknown)}; available: {', '.join(topics)}")

    for topic in arguments.topics or topics:
        print(f"[{topic}] running", flush=True)
        with common.throwaway_database():
            description = common.machine()
            result = importlib.import_module(f"bench.{topic}").run()
        path = common.write_result(topic, result, machine_description=description)
        for name, value in result.get("figures", {}).items():
            print(f"[{topic}] {name} = {value}")
        for name, outcome in result.get("goals", {}).items():
            print(f"[{topic}] goal {name}: {outcome['value']} (target {outcome['target']}) {'met' if outcome['met'] else 'NOT MET'}")
        print(f"[{topic}] written to {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
