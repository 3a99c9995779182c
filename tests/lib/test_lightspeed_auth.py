"""OAuth through the TokenStore: rotation is saved, refreshes are serialised, failures are clear."""

import threading
import time

import pytest
from lightspeed_support import DEMO, make_client, make_store

from amazon_lightspeed_connector.lib.errors import AuthError, TransientError
from amazon_lightspeed_connector.lib.lightspeed import MemoryTokenStore
from amazon_lightspeed_connector.lib.lightspeed.auth import (
    INVALID_CLIENT_MESSAGE,
    INVALID_CODE_MESSAGE,
    INVALID_GRANT_MESSAGE,
    TokenGrant,
    authorization_url,
    usable_grant,
)


def test_rotation_is_saved_in_the_store_and_the_old_token_is_revoked(sim):
    store = make_store(sim)
    client = make_client(sim, store)

    assert client.test_connection() == "Demo Retail Account"

    first = sim.token_grants[-1]
    assert store.current() == (first.refresh_token, first.access_token, first.expires_at)
    assert sim.revoked_refresh_tokens == [DEMO["refresh_token"]]
    assert sim.valid_refresh_tokens == {first.refresh_token}

    # An hour later the access token has expired: the client refreshes, with the saved token.
    sim.clock.advance(3600)
    client.shops()
    second = sim.token_grants[-1]
    assert len(sim.token_grants) == 2 and second.used_refresh_token == first.refresh_token
    assert store.current()[0] == second.refresh_token
    assert sim.revoked_refresh_tokens == [DEMO["refresh_token"], first.refresh_token]


def test_another_worker_reuses_the_stored_access_token(sim):
    store = make_store(sim)
    make_client(sim, store).test_connection()
    make_client(sim, store).test_connection()  # a second worker, same account row
    assert store.refresh_count == 1 and len(sim.token_grants) == 1


def test_two_threads_refreshing_at_once_refresh_exactly_once(sim):
    store = make_store(sim)
    clients = [make_client(sim, store), make_client(sim, store)]
    real_token = sim.oauth.token

    def slow_token(params):  # widen the race: the second thread arrives mid-refresh
        time.sleep(0.05)
        return real_token(params)

    sim.oauth.token = slow_token
    start = threading.Barrier(2)
    names, errors = [], []

    def work(client):
        start.wait()
        try:
            names.append(client.test_connection())
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == [] and names == ["Demo Retail Account"] * 2
    assert store.refresh_count == 1 and len(sim.token_grants) == 1
    assert store.current()[0] == sim.token_grants[0].refresh_token
    assert sim.valid_refresh_tokens == {store.current()[0]}


def test_a_401_refreshes_once_through_the_store_and_retries(sim):
    store = make_store(sim)
    client = make_client(sim, store)
    client.test_connection()
    sim.oauth.expire_access_tokens()  # revoked early: our cached expiry still looks fine

    assert len(client.shops()) == 3
    assert store.refresh_count == 2
    assert [c.status for c in sim.calls if c.path.endswith("/Shop.json")] == [401, 200]


def test_a_401_after_a_refresh_is_an_auth_error(sim):
    client = make_client(sim)
    sim.oauth.check_bearer = lambda authorization: "missing"

    with pytest.raises(AuthError) as raised:
        client.shops()
    assert "even after a refresh" in str(raised.value) and raised.value.status == 401
    # The first grant to start with, one more after the 401, and no loop after that.
    assert len(sim.token_grants) == 2


def test_a_revoked_refresh_token_asks_for_a_reconnection(sim):
    store = make_store(sim)
    sim.oauth.revoke_refresh_tokens()  # the merchant disconnected the app

    with pytest.raises(AuthError) as raised:
        make_client(sim, store).test_connection()
    assert str(raised.value) == INVALID_GRANT_MESSAGE
    assert raised.value.code == "invalid_grant"
    assert store.current()[0] == DEMO["refresh_token"]  # nothing half-saved


def test_a_wrong_client_secret_says_so(sim):
    with pytest.raises(AuthError) as raised:
        make_client(sim, secret="not-the-secret").test_connection()
    assert str(raised.value) == INVALID_CLIENT_MESSAGE
    assert "client secret" in str(raised.value)
    assert sim.revoked_refresh_tokens == []  # the refresh token was not spent


def test_authorization_code_exchange(sim):
    url = authorization_url(DEMO["client_id"], state="csrf-1")
    assert url.startswith("https://cloud.lightspeedapp.com/auth/oauth/authorize?")
    assert "response_type=code" in url and "scope=employee%3Aall" in url

    store = MemoryTokenStore(refresh_token=None, clock=sim.clock)
    client = make_client(sim, store)
    code = sim.oauth.issue_authorization_code()
    grant = client.exchange_code(code, "https://odoo.example/lightspeed/callback")
    store.save(grant)
    assert client.test_connection() == "Demo Retail Account"
    assert store.refresh_count == 0

    with pytest.raises(AuthError) as raised:
        client.exchange_code(code, "https://odoo.example/lightspeed/callback")
    assert str(raised.value) == INVALID_CODE_MESSAGE


def test_a_refresh_whose_answer_was_lost_is_transient_and_says_what_to_do(sim):
    sim.faults.add("lost_response", method="POST", path="/auth/oauth/token")
    with pytest.raises(TransientError) as raised:
        make_client(sim).test_connection()
    assert raised.value.outcome_unknown
    assert "reconnect" in str(raised.value)


def test_usable_grant_refreshes_a_minute_early_and_never_reuses_a_stale_token():
    assert usable_grant("r", "a", 1000.0, now=900.0) == TokenGrant("a", "r", 1000.0)
    assert usable_grant("r", "a", 1000.0, now=950.0) is None  # inside the safety margin
    assert usable_grant("r", "a", 1000.0, now=900.0, stale_access_token="a") is None
    assert usable_grant("r", None, None, now=0) is None
    assert "secret" not in repr(TokenGrant("a-secret", "r-secret", 1.0))
