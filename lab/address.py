"""The address students can open: the share box's link, on the network rather than on localhost.

A teacher usually opens the app on the machine that serves it, at ``http://localhost:8501``; that
address means "this computer" on every student's laptop.  :func:`share_base` replaces a loopback
host by the address the server is reached at on the network, when it is served to the network:

* ``browser.serverAddress`` set (Streamlit's own "the address users should open"): that host;
* the server listens on every interface (``--server.address 0.0.0.0``, ``::``, or no address,
  Streamlit's default) or on one network address: the machine's network address (the one
  Streamlit prints as "Network URL") or that address;
* it listens on loopback only (``--server.address 127.0.0.1``): the link stays local, and
  :func:`share_base` says so (no student could open it).

A page opened through its network address (or through a proxy) is shared as it was opened.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_EVERY_INTERFACE = {None, "", "0.0.0.0", "::", "[::]"}


def is_loopback(host: str | None) -> bool:
    if not host:
        return True
    h = host.strip("[]").lower()
    if h in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def share_base(url: str | None, page: str, *, server_address: str | None, network_ip: str | None,
               browser_address: str | None = None, port: int = 8501) -> tuple[str, str | None]:
    """``(base URL for the share link, note or None)``.

    ``url``: the address the browser opened (``st.context.url``; None outside a browser);
    ``server_address``: ``server.address``; ``network_ip``: the machine's network address (or
    None); ``browser_address``: ``browser.serverAddress`` when set by the user; ``port``: the
    server's port, for a missing ``url``.  The note tells the teacher when the link only works on
    the serving machine.
    """
    parts = urlsplit(url) if url else urlsplit(f"http://localhost:{port}/{page}")
    host = parts.hostname
    if not is_loopback(host) or str(server_address or "").startswith("unix://"):
        return urlunsplit(parts._replace(query="", fragment="")), None
    netloc_port = f":{parts.port}" if parts.port else ""
    if browser_address and not is_loopback(browser_address):
        new = browser_address
    elif server_address not in _EVERY_INTERFACE and not is_loopback(server_address):
        new = str(server_address)
    elif server_address in _EVERY_INTERFACE and network_ip and not is_loopback(network_ip):
        new = network_ip
    else:
        return (urlunsplit(parts._replace(query="", fragment="")),
                "This address works on this computer only: the server answers no other. To serve a "
                "class, start it with `--server.address 0.0.0.0` (README: Serving a class on a LAN).")
    if ":" in new and not new.startswith("["):
        new = f"[{new}]"                       # an IPv6 literal in a URL
    return urlunsplit(parts._replace(netloc=new + netloc_port, query="", fragment="")), None


def current(page: str) -> tuple[str, str | None]:
    """:func:`share_base` for this run of the app (reads Streamlit's context and options)."""
    import streamlit as st

    from lab import internals
    try:
        url = st.context.url
    except Exception:                          # outside a session (a test of the function)
        url = None
    browser = st.get_option("browser.serverAddress") if internals.manually_set_option("browser.serverAddress") else None
    server = st.get_option("server.address")
    opened_here = url is None or is_loopback(urlsplit(url).hostname)
    ip = internals.network_ip() if server in _EVERY_INTERFACE and opened_here else None
    return share_base(url, page, server_address=server, network_ip=ip, browser_address=browser,
                      port=int(st.get_option("server.port") or 8501))
