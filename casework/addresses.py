"""The client's network address, for the access log and the sign-in lockout.

Behind the TLS proxy every request comes from the proxy, so REMOTE_ADDR alone would count everyone's
failed sign-ins against one address (five wrong passwords from anyone would lock out the whole
office) and log the proxy's address for every access. The proxy says whom it served in
X-Forwarded-For; that header is believed only when the request comes from an address in
TRUSTED_PROXIES, and only its last entry (the one the proxy wrote: anything before it, the client
may have sent).
"""

import ipaddress

from django.conf import settings


def _address(text):
    """`text` as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request):
    remote = request.META.get("REMOTE_ADDR", "")
    if remote not in settings.TRUSTED_PROXIES:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1]
    return _address(forwarded) or remote
