"""Small helpers for tests that talk to the simulator directly, without an HTTP client.

``Caller`` builds SimRequests and hands them to ``sim.handle``: the same path a real request
takes through the front doors, minus the transport, which keeps big scenarios fast.
"""

import json
from urllib.parse import urlencode

from ....lib.amazon.client import AmazonClient, AmazonCredentials
from ..core import SimRequest
from ..demo_catalogue import AMAZON_DEMO

SP_API = "https://sellingpartnerapi-na.amazon.com"
LWA = "https://api.amazon.com"


def demo_client(clock, marketplaces=None, **options):
    """An SP-API client for the demo seller, pacing itself on ``clock`` (a simulator's clock:
    its waits then cost simulated seconds only), on the default endpoints."""
    credentials = AmazonCredentials(
        AMAZON_DEMO["lwa_client_id"], AMAZON_DEMO["lwa_client_secret"], AMAZON_DEMO["refresh_token"]
    )
    marketplaces = list(marketplaces or [AMAZON_DEMO["marketplace_id"]])
    return AmazonClient(credentials, AMAZON_DEMO["seller_id"], marketplaces, clock=clock, **options)


def lwa_form(**overrides):
    form = {
        "grant_type": "refresh_token",
        "refresh_token": AMAZON_DEMO["refresh_token"],
        "client_id": AMAZON_DEMO["lwa_client_id"],
        "client_secret": AMAZON_DEMO["lwa_client_secret"],
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


class Caller:
    """Calls a simulator in process; ``access_token`` is fetched on first use."""

    def __init__(self, sim):
        self.sim = sim
        self._token = None

    def lwa(self, **overrides):
        body = urlencode(lwa_form(**overrides)).encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.sim.handle(SimRequest("POST", LWA + "/auth/o2/token", headers, body))

    @property
    def access_token(self):
        if self._token is None:
            self._token = self.lwa().payload()["access_token"]
        return self._token

    def call(self, method, path, params=None, body=None, token=None):
        query = urlencode(params or {}, doseq=True)
        url = SP_API + path + ("?" + query if query else "")
        headers = {"x-amz-access-token": token if token is not None else self.access_token}
        raw = b""
        if body is not None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        return self.sim.handle(SimRequest(method, url, headers, raw))

    def get(self, path, params=None, **kwargs):
        return self.call("GET", path, params, **kwargs)

    def post(self, path, body=None, params=None, **kwargs):
        return self.call("POST", path, params, body, **kwargs)

    def rdt(self, resources):
        """A Restricted Data Token for ``[(method, path, [dataElements]), ...]``."""
        body = {
            "restrictedResources": [
                {"method": m, "path": p, **({"dataElements": list(d)} if d else {})}
                for m, p, d in resources
            ]
        }
        answer = self.post("/tokens/2021-03-01/restrictedDataToken", body)
        assert answer.status == 200, answer.body
        return answer.payload()["restrictedDataToken"]

    def fetch(self, url):
        """GET an upload/download URL the simulator handed out (no SP-API token)."""
        return self.sim.handle(SimRequest("GET", url, {}, b""))

    def put(self, url, content, content_type="application/json"):
        return self.sim.handle(SimRequest("PUT", url, {"Content-Type": content_type}, content))


def require_models():
    """Skip the calling test module when the shared contracts directory does not exist.

    Only absence skips: a directory that exists but lacks a model fails loudly later.
    """
    import pytest

    from .schemas import shared_dir

    directory = shared_dir() / "sp-api-models"
    if not directory.is_dir():
        pytest.skip(
            "SP-API models not found at %s (set ALC_SHARED_DIR)" % directory,
            allow_module_level=True,
        )
