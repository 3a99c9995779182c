"""The shared simulator core and its two front doors, on a tiny echo service."""

import httpx
import pytest
import requests

from amazon_lightspeed_connector.tests.simulators.core import ManualClock, SimResponse, SimulatorApp
from amazon_lightspeed_connector.tests.simulators.http_server import SimulatorServer
from amazon_lightspeed_connector.tests.simulators.transport import in_process

BASE = "https://echo.example.test"


class Counter(SimulatorApp):
    """Counts POSTs, so a test can tell whether a write was applied."""

    def __init__(self):
        super().__init__(clock=ManualClock())
        self.count = 0
        self.route("POST", r"/count", self._post)
        self.route("GET", r"/count/(?P<name>\w+)", self._get)

    def _post(self, request):
        self.count += 1
        return SimResponse.json(200, {"count": self.count})

    def _get(self, request, name):
        return SimResponse.json(200, {"name": name, "count": self.count, "q": request.arg("q")})


def test_routes_and_path_params_reach_the_handler_through_requests():
    app = Counter()
    with in_process({BASE: app}):
        answer = requests.get(BASE + "/count/abc?q=1", timeout=5)
    assert answer.json() == {"name": "abc", "count": 0, "q": "1"}


def test_unknown_path_is_404_and_wrong_method_405():
    app = Counter()
    with in_process({BASE: app}):
        assert httpx.get(BASE + "/nothing").status_code == 404
        assert httpx.delete(BASE + "/count").status_code == 405


def test_unrouted_host_never_leaves_the_machine():
    with in_process({BASE: Counter()}):
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get("https://elsewhere.example.test/", timeout=5)
        with pytest.raises(AssertionError, match="not mocked"):
            httpx.get("https://elsewhere.example.test/")


def test_lost_response_applies_the_write_and_times_out_the_client():
    app = Counter()
    app.faults.add("lost_response", method="POST", path="/count")
    with in_process({BASE: app}):
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.post(BASE + "/count", timeout=5)
        app.faults.add("lost_response", method="POST", path="/count")
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(BASE + "/count")
        assert requests.post(BASE + "/count", timeout=5).json() == {"count": 3}
    assert app.count == 3
    assert [c.status for c in app.calls] == [0, 0, 200]


def test_timeout_fault_does_not_apply_the_write():
    app = Counter()
    app.faults.add("timeout", times=1)
    with in_process({BASE: app}), pytest.raises(httpx.ReadTimeout):
        httpx.post(BASE + "/count")
    assert app.count == 0


def test_status_faults_come_before_the_write_and_are_bounded_by_times():
    app = Counter()
    app.faults.add("server_error", times=2)
    with in_process({BASE: app}):
        statuses = [httpx.post(BASE + "/count").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert app.count == 1


def test_truncated_json_is_applied_and_unparseable():
    app = Counter()
    app.faults.add("truncated_json")
    with in_process({BASE: app}):
        answer = requests.post(BASE + "/count", timeout=5)
    assert app.count == 1
    with pytest.raises(ValueError):
        answer.json()


def test_probabilistic_faults_are_repeatable_for_a_seed():
    def run():
        app = Counter()
        app.faults.add("throttle", times=None, probability=0.3)
        with in_process({BASE: app}), httpx.Client() as client:
            return [client.get(BASE + "/count/x").status_code for _ in range(40)]

    first = run()
    assert first == run()
    assert 0 < first.count(429) < 40


def test_loopback_server_serves_the_same_app_and_drops_lost_responses():
    app = Counter()
    with SimulatorServer(app) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert requests.post(server.url + "/count", timeout=5).json() == {"count": 1}
        app.faults.add("lost_response")
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(server.url + "/count", timeout=5)
    assert app.count == 2


def test_manual_clock_moves_only_when_told():
    clock = ManualClock(start=100)
    clock.sleep(2.5)
    assert clock.now() == 102.5
