"""Connector clients on a simulator's clock: pacing waits cost simulated seconds only."""

from ..lib.lightspeed import LightspeedClient
from ..models.lightspeed_token_store import OdooTokenStore


def lightspeed_client_on_clock(account, clock, keep_pacing=False):
    """What ``lightspeed.account._lightspeed_client`` builds, with the simulator's ``clock``;
    ``keep_pacing``: the bucket as the last run saw it, and every answer saved, as there."""
    account = account.sudo()
    client = LightspeedClient(
        account.account_number,
        account.client_id,
        account.client_secret,
        OdooTokenStore(account, clock=clock.now),
        api_url=account.api_url,
        token_url=account.token_url,
        clock=clock,
        bucket_share=account.bucket_share or 1.0,
    )
    if keep_pacing:
        account.env["connector.pacing.state"]._keep(account, client.pacer)
    return client
