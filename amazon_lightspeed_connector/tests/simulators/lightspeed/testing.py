"""A few lines of plain ``requests`` that tests use to talk to the simulator like a client would.

Deliberately not the connector's client: tests of the simulator must not depend on the code
the simulator exists to test.
"""

import requests

from .app import API_BASE


class ApiCaller:
    """GET/POST/PUT against one account with a bearer token; answers are requests.Response."""

    def __init__(self, sim, token=None, base=API_BASE):
        self.sim = sim
        self.token = token or sim.access_token()
        self.root = "%s/API/V3/Account/%s" % (base.rstrip("/"), sim.store.account["accountID"])

    def url(self, resource, record_id=None):
        if record_id is None:
            return "%s/%s.json" % (self.root, resource)
        return "%s/%s/%s.json" % (self.root, resource, record_id)

    def _headers(self):
        return {"Authorization": "Bearer %s" % self.token}

    def get(self, resource, record_id=None, **params):
        return requests.get(
            self.url(resource, record_id), params=params, headers=self._headers(), timeout=5
        )

    def get_url(self, url):
        return requests.get(url, headers=self._headers(), timeout=5)

    def post(self, resource, payload):
        return requests.post(self.url(resource), json=payload, headers=self._headers(), timeout=5)

    def put(self, resource, record_id, payload):
        return requests.put(
            self.url(resource, record_id), json=payload, headers=self._headers(), timeout=5
        )

    def delete(self, resource, record_id):
        return requests.delete(self.url(resource, record_id), headers=self._headers(), timeout=5)


def as_list(value):
    """Lightspeed's one-or-many: an object for one record, a list for several, absent for none."""
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]
