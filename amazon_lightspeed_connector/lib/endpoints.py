"""Which addresses the connector may send credentials to.

An endpoint receives a client secret, a refresh token or an access token with every call, so
it must be the service's own address over TLS. Plain http is allowed to a loopback address only:
that is where the test simulators listen, and nothing leaves the machine.
"""

import ipaddress
from urllib.parse import urlsplit

MAX_LENGTH = 2048
LOOPBACK_NAMES = ("localhost",)


def is_loopback(host):
    """``host`` (a name or an IP address) never leaves the machine."""
    host = (host or "").strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(url):
    """What is wrong with ``url`` as an endpoint, in a short sentence; None when it is fine.

    Accepted: ``https://host[:port][/path]``, or ``http://`` to a loopback address. Refused:
    any other scheme (javascript:, ftp:, file:, gopher:...), free text, a user name or password
    in the address, a query or fragment, spaces or control characters.
    """
    if not isinstance(url, str) or not url.strip():
        return "an address is required"
    if len(url) > MAX_LENGTH:
        return "the address is longer than %d characters" % MAX_LENGTH
    if url != url.strip() or any(ch.isspace() or not ch.isprintable() for ch in url):
        return "the address contains spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return "the address cannot be read"
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        return "only https:// addresses are allowed"
    if not parts.hostname:
        return "the address has no host name"
    if "@" in parts.netloc or parts.username or parts.password:
        return "the address must not contain a user name or password"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "the address must not contain a query (?) or fragment (#)"
    if port == 0:
        return "the address has an invalid port"
    if scheme == "http" and not is_loopback(parts.hostname):
        return "http:// is only allowed to this machine (a simulator); use https://"
    return None
