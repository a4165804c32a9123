"""lab.address: the share box's address is one students can open (the network address, not localhost)."""
import pytest

from lab.address import is_loopback, share_base


@pytest.mark.parametrize("host,loop", [("localhost", True), ("127.0.0.1", True), ("127.5.0.1", True),
                                       ("[::1]", True), ("192.168.1.20", False), ("lab.example.org", False),
                                       (None, True)])
def test_is_loopback(host, loop):
    assert is_loopback(host) is loop


@pytest.mark.parametrize("server", [None, "", "0.0.0.0", "::"])
def test_localhost_becomes_the_network_address_when_served_to_every_interface(server):
    base, note = share_base("http://localhost:8501/convex?beta=0.1", "convex", server_address=server,
                            network_ip="192.168.1.20")
    assert base == "http://192.168.1.20:8501/convex" and note is None


def test_one_network_address_and_the_configured_browser_address():
    assert share_base("http://127.0.0.1:9000/sgd", "sgd", server_address="10.0.0.5", network_ip="192.168.1.20") \
        == ("http://10.0.0.5:9000/sgd", None)
    assert share_base("http://localhost:8501/data", "data", server_address="0.0.0.0", network_ip="192.168.1.20",
                      browser_address="lab.school.org")[0] == "http://lab.school.org:8501/data"
    assert share_base("http://localhost:8501/data", "data", server_address="::", network_ip="fd00::2")[0] \
        == "http://[fd00::2]:8501/data"


def test_a_network_address_or_a_proxy_is_kept():
    assert share_base("http://192.168.1.20:8501/sgd?m=3", "sgd", server_address="0.0.0.0", network_ip="192.168.1.20") \
        == ("http://192.168.1.20:8501/sgd", None)
    assert share_base("https://class.example.org/convex", "convex", server_address="127.0.0.1",
                      network_ip=None) == ("https://class.example.org/convex", None)


def test_a_loopback_only_server_says_so():
    base, note = share_base("http://localhost:8501/convex", "convex", server_address="127.0.0.1",
                            network_ip="192.168.1.20")
    assert base == "http://localhost:8501/convex" and "--server.address 0.0.0.0" in note
    base, note = share_base(None, "convex", server_address=None, network_ip=None, port=8600)
    assert base == "http://localhost:8600/convex" and note


def test_the_share_box_in_the_app_shows_the_network_address(monkeypatch):
    """Through app.py (AppTest: no browser URL, Streamlit's default address, i.e. every interface):
    the share box's link is on the machine's network address."""
    from pathlib import Path

    from streamlit import net_util
    from streamlit.testing.v1 import AppTest
    monkeypatch.setattr(net_util, "get_internal_ip", lambda: "192.168.1.20")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params["page"] = "convex"
    at.run()
    assert not at.exception
    assert at.sidebar.code[0].value.startswith("http://192.168.1.20:8501/convex?")
