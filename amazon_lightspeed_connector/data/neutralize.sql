-- A duplicated database (staging, a support copy) must not talk to the live Amazon and
-- Lightspeed accounts: above all, a copy that refreshed the Lightspeed token would revoke the
-- production one. Forget every credential and stop the connector's scheduled actions.
UPDATE amazon_credential
   SET lwa_client_secret = NULL,
       refresh_token = NULL;
UPDATE amazon_account
   SET oauth_state = NULL,
       import_enabled = false,
       listings_push_enabled = false,
       settlement_enabled = false;
UPDATE lightspeed_token
   SET client_secret = NULL,
       refresh_token = NULL,
       access_token = NULL,
       access_token_expires_at = NULL;
DELETE FROM amazon_access_token;
DELETE FROM connector_pacing_state;
UPDATE ir_cron
   SET active = false
 WHERE id IN (SELECT res_id
                FROM ir_model_data
               WHERE module = 'amazon_lightspeed_connector'
                 AND model = 'ir.cron');
