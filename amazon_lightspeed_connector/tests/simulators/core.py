"""The behaviour-free core shared by the Amazon and Lightspeed simulators.

A simulator is a plain object with ``handle(SimRequest) -> SimResponse``. It knows nothing
about sockets or HTTP client libraries: the front doors in ``transport.py`` (in process, for
httpx and requests) and ``server.py`` (a real HTTP server on loopback) translate to and from
it, so there is one implementation of each service's behaviour and two thin ways in.

Fault injection lives here too, because a lost response or a timeout means the same thing for
both services: the front door decides how the client experiences it.
"""

import enum
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit


class SystemClock:
    """Wall-clock time, for the demo server."""

    def now(self):
        return time.time()

    def sleep(self, seconds):
        time.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to, so rate limits can be tested without waiting.

    ``sleep`` advances it: a client that paces itself with the same clock sees time pass
    instantly, which is how benchmarks measure quota-bound time in simulated seconds.
    """

    def __init__(self, start=1_767_225_600.0):  # 2026-01-01T00:00:00Z
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self):
        return self._now

    def advance(self, seconds):
        with self._lock:
            self._now += float(seconds)

    sleep = advance


class Headers(dict):
    """Case-insensitive header lookup on a plain dict of lower-cased names."""

    def __init__(self, items=()):
        super().__init__()
        for key, value in dict(items).items():
            self[key.lower()] = value

    def get(self, key, default=None):
        return super().get(key.lower(), default)


@dataclass
class SimRequest:
    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    def __post_init__(self):
        self.method = self.method.upper()
        if not isinstance(self.headers, Headers):
            self.headers = Headers(self.headers)
        parts = urlsplit(self.url)
        self.host = parts.netloc
        self.path = parts.path
        self.query = parse_qs(parts.query, keep_blank_values=True)

    def arg(self, name, default=None):
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name):
        """All values of a query parameter, comma-separated lists flattened."""
        out = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out

    def json(self):
        """The body as JSON; raises ValueError on a malformed body."""
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def form(self):
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8")).items()}


@dataclass
class SimResponse:
    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def json(cls, status, payload, headers=None):
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        return cls(status, all_headers, json.dumps(payload).encode("utf-8"))

    @classmethod
    def text(cls, status, text, content_type="text/plain", headers=None):
        all_headers = {"Content-Type": content_type}
        all_headers.update(headers or {})
        return cls(status, all_headers, text.encode("utf-8"))

    def payload(self):
        return json.loads(self.body.decode("utf-8"))


class ResponseLost(Exception):
    """The client must experience a timeout: no answer ever arrives.

    ``applied`` says whether the request took effect first (a write that happened but whose
    answer was lost), which is the case exactly-once logic has to survive.
    """

    def __init__(self, applied):
        super().__init__("response lost (request %s)" % ("applied" if applied else "not applied"))
        self.applied = applied


class Fault(enum.Enum):
    THROTTLE = "throttle"  # 429 before the request is applied
    SERVER_ERROR = "server_error"  # 500 before the request is applied
    UNAVAILABLE = "unavailable"  # 503 before the request is applied
    TIMEOUT = "timeout"  # no answer, request not applied
    LOST_RESPONSE = "lost_response"  # request applied, answer lost
    TRUNCATED_JSON = "truncated_json"  # request applied, body cut in half
    MALFORMED = "malformed"  # request applied, body replaced by the rule's payload
    INTERCEPTED = "intercepted"  # request not applied, a stranger answered: the rule's payload


@dataclass
class FaultRule:
    """Inject ``fault`` on requests that match; ``times`` bounds how often (None: always).

    ``probability`` below 1 draws from the plan's seeded generator, so a run is repeatable.
    """

    fault: Fault
    method: str = None
    path: str = None  # a regular expression searched in the path
    times: int = 1
    probability: float = 1.0
    # body for MALFORMED and INTERCEPTED: JSON-able data, raw bytes, or (MALFORMED only) a
    # function of the service's decoded answer returning either (a hostile variant of it)
    payload: object = None
    status: int = 200  # status for INTERCEPTED
    after: int = 0  # matching requests let through before the fault starts
    hits: int = 0
    passed: int = 0

    def body(self, answer=b""):
        payload = self.payload
        if callable(payload):
            payload = payload(json.loads(answer.decode("utf-8")))
        if payload is None:
            payload = {"unexpected": ["shape"]}
        return payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")

    def matches(self, request):
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != request.method:
            return False
        return not (self.path and not re.search(self.path, request.path))


class FaultPlan:
    def __init__(self, seed=0):
        self.rules = []
        self._random = random.Random(seed)

    def add(self, fault, **kwargs):
        rule = FaultRule(Fault(fault), **kwargs)
        self.rules.append(rule)
        return rule

    def clear(self):
        self.rules.clear()

    def pick(self, request):
        for rule in self.rules:
            if not rule.matches(request):
                continue
            if rule.passed < rule.after:
                rule.passed += 1
                continue
            if self._random.random() < rule.probability:
                rule.hits += 1
                return rule
        return None


@dataclass
class CallRecord:
    method: str
    path: str
    status: int  # 0 when the response was lost
    fault: str = None


class Route:
    def __init__(self, method, pattern, handler):
        self.method = method
        self.regex = re.compile("^" + pattern + "$")
        self.handler = handler


class SimulatorApp:
    """Routing, fault injection and a call log; subclasses add routes and state.

    Handlers take ``(request, **path_params)`` and return a SimResponse. ``error_response``
    renders a fault status in the simulated service's own error shape.
    """

    def __init__(self, clock=None, seed=0):
        self.clock = clock or ManualClock()
        self.faults = FaultPlan(seed)
        self.calls = []
        self._routes = []
        self.lock = threading.RLock()

    def route(self, method, pattern, handler):
        self._routes.append(Route(method.upper(), pattern, handler))

    def error_response(self, status, message):
        return SimResponse.json(status, {"error": message})

    def handle(self, request):
        with self.lock:
            rule = self.faults.pick(request)
            response = self._before(request, rule)
            if response is None:
                response = self._dispatch(request)
            return self._after(request, rule, response)

    def _before(self, request, rule):
        fault = rule.fault if rule else None
        statuses = {Fault.THROTTLE: 429, Fault.SERVER_ERROR: 500, Fault.UNAVAILABLE: 503}
        if fault in statuses:
            return (
                self.throttled_response(request)
                if fault is Fault.THROTTLE
                else (self.error_response(statuses[fault], "Injected fault"))
            )
        if fault is Fault.TIMEOUT:
            self.calls.append(CallRecord(request.method, request.path, 0, fault.value))
            raise ResponseLost(applied=False)
        if fault is Fault.INTERCEPTED:  # a proxy or captive portal: the service never saw it
            self.calls.append(CallRecord(request.method, request.path, rule.status, fault.value))
            return SimResponse(rule.status, {"Content-Type": "text/html"}, rule.body())
        return None

    def _after(self, request, rule, response):
        fault = rule.fault if rule else None
        if fault is Fault.INTERCEPTED:
            return response
        if fault is Fault.LOST_RESPONSE:
            self.calls.append(CallRecord(request.method, request.path, 0, fault.value))
            raise ResponseLost(applied=True)
        if fault is Fault.TRUNCATED_JSON:
            response.body = response.body[: max(1, len(response.body) // 2)]
        elif fault is Fault.MALFORMED:
            response.body = rule.body(response.body)
        self.calls.append(
            CallRecord(request.method, request.path, response.status, fault and fault.value)
        )
        return response

    def throttled_response(self, request):
        """A 429 in the service's own shape; simulators override to add their headers."""
        return self.error_response(429, "Too Many Requests")

    def _dispatch(self, request):
        path_matched = False
        for route in self._routes:
            match = route.regex.match(request.path)
            if not match:
                continue
            path_matched = True
            if route.method == request.method:
                return route.handler(request, **match.groupdict())
        if path_matched:
            return self.error_response(405, "Method not allowed")
        return self.error_response(404, "No such resource: %s %s" % (request.method, request.path))
