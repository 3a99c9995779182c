"""Replay every static sandbox example of the two Orders models against sandbox mode.

Each example's request is rebuilt from its documented parameters (path, query or body, as the
operation declares them) and sent through the simulator's full gate (LWA token, routing,
rate-limit headers). The answer must equal the documented one: same status, same body.
"""

import json

import pytest

from amazon_lightspeed_connector.tests.simulators.amazon import AmazonSimulator, sandbox, schemas
from amazon_lightspeed_connector.tests.simulators.amazon.testing import Caller, require_models
from amazon_lightspeed_connector.tests.simulators.core import ManualClock

require_models()

# An example may leave a path parameter out (updateShipmentStatus's 204 documents no
# parameters at all); any order id then does, as in Amazon's sandbox.
PLACEHOLDER_ORDER_ID = "902-0000000-0000000"


def _count_static_examples(node):
    """Walk the raw JSON independently of sandbox.py, so an empty walk cannot pass."""
    if isinstance(node, dict):
        own = len(node.get("x-amzn-api-sandbox", {}).get("static", []))
        return own + sum(_count_static_examples(v) for v in node.values())
    if isinstance(node, list):
        return sum(_count_static_examples(v) for v in node)
    return 0


ALL_EXAMPLES = [e for model in sandbox.SANDBOX_MODELS for e in sandbox.examples(model)]


def test_the_walk_finds_every_static_example_in_both_models():
    expected = sum(_count_static_examples(schemas.load_model(m)) for m in sandbox.SANDBOX_MODELS)
    assert len(ALL_EXAMPLES) == expected == 39


@pytest.fixture(scope="module")
def caller():
    sim = AmazonSimulator(clock=ManualClock(), sandbox_mode=True, rate_limits_enabled=False)
    return Caller(sim)


def _request_parts(example):
    operation = schemas.find_operation(example.model, example.operation_id)[2]
    locations = {p["name"]: p["in"] for p in operation.get("parameters", [])}
    path, query, body = example.path_template, {}, None
    for name, value in example.parameters.items():
        where = sandbox.location_of(name, locations)
        if where == "path":
            path = path.replace("{%s}" % name, value)
        elif where == "body":
            body = value
        else:
            query[name] = value
    path = path.replace("{orderId}", PLACEHOLDER_ORDER_ID)
    return path, query, body


@pytest.mark.parametrize(
    "example",
    ALL_EXAMPLES,
    ids=[
        "%s.%s-%s-%d" % (e.model, e.operation_id, e.status, i) for i, e in enumerate(ALL_EXAMPLES)
    ],
)
def test_sandbox_example_replays_to_the_documented_answer(caller, example):
    path, query, body = _request_parts(example)
    answer = caller.call(example.method, path, query, body)
    assert answer.status == example.status
    if example.status == 204:
        assert answer.body == b""  # the model documents "{}" for "no content"
    else:
        assert json.loads(answer.body) == example.response
    assert answer.headers["x-amzn-RateLimit-Limit"]


def test_sandbox_still_requires_a_valid_access_token(caller):
    answer = caller.get("/orders/v0/orders/TEST_CASE_200", token="Atza|forged")
    assert answer.status == 403


def test_sandbox_answers_400_when_no_example_matches(caller):
    answer = caller.get("/orders/v0/orders/no-such-example")
    assert answer.status == 400
    assert answer.payload()["errors"][0]["code"] == "InvalidInput"
