#!/usr/bin/env python3
"""Asks the web app's /health/ from the machine or container it runs on; exits 0 only on a 200.

For container healthchecks and monitoring scripts: `python deploy/healthcheck.py [URL]`, URL by
default http://127.0.0.1:8000/health/. The request names the first host of ALLOWED_HOSTS (Django
answers 400 to any other) and says it came through TLS, as the proxy would (X-Forwarded-Proto),
so the app does not redirect it to https://. Prints the app's answer (check names and states).
Standard library only: the image has no curl.
"""

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/health/"
TIMEOUT_SECONDS = 10


def site_host():
    hosts = [host.strip().lstrip(".") for host in os.environ.get("ALLOWED_HOSTS", "").split(",")]
    return next((host for host in hosts if host and host != "*"), "localhost")


def main(url):
    if not url.startswith(("http://", "https://")):  # so that urlopen below never opens file: or ftp:
        print(f"not an http(s) URL: {url}", file=sys.stderr)
        return 2
    request = urllib.request.Request(url, headers={"Host": site_host(), "X-Forwarded-Proto": "https"})  # noqa: S310  # nosec B310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            print(response.status, response.read().decode())
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:  # 503: a check failed; the body names it
        print(error.code, error.read().decode())
        return 1
    except OSError as error:  # not listening, or no answer in time
        print(f"no answer: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL))
