"""An email backend for tests with real worker processes: every message sent is one line in a file.

The file is named by the environment variable TEST_OUTBOX_FILE. Each line is the message's
X-Reminder header (its reminder's primary key), or "-" for a message without one. The file is
opened with O_APPEND and each line goes out in a single write(2) of a few bytes, so lines from
concurrent worker processes never interleave, and a line is in the file as soon as send_messages
returns: a process killed a moment later has already left its record.

Workers use it with EMAIL_BACKEND=tests.integration.outbox.AppendOnlyOutbox. TEST_OUTBOX_SEND_SECONDS
(default 0) makes each message take that long before its line is written, like a mail server's
round trip, to measure what a slow server does to duplicate sends.
"""

import os
import time

from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend

OUTBOX_ENV = "TEST_OUTBOX_FILE"
SEND_SECONDS_ENV = "TEST_OUTBOX_SEND_SECONDS"
HEADER = "X-Reminder"


def outbox_path():
    path = os.environ.get(OUTBOX_ENV, "").strip()
    if not path:
        raise ImproperlyConfigured(f"{OUTBOX_ENV} must name the file the test outbox appends to.")
    return path


def read_outbox(path):
    """The lines of an outbox file, in the order they were written."""
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]


class AppendOnlyOutbox(BaseEmailBackend):
    """Appends one line per message (its X-Reminder header) to the file named by TEST_OUTBOX_FILE."""

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        send_seconds = float(os.environ.get(SEND_SECONDS_ENV) or 0)
        descriptor = os.open(outbox_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            for message in email_messages:
                if send_seconds:
                    time.sleep(send_seconds)
                line = (str(message.extra_headers.get(HEADER, "-")).replace("\n", " ") + "\n").encode("utf-8")
                written = os.write(descriptor, line)  # one write per line: appended whole, never interleaved
                if written != len(line):
                    raise OSError(f"short write to the test outbox: {written} of {len(line)} bytes")
        finally:
            os.close(descriptor)
        return len(email_messages)
