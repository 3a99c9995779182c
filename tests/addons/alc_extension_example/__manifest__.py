{
    "name": "Amazon to Lightspeed Connector: extension example",
    "summary": "Test addon: extends the connector through its named hooks only",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "author": "amazon_lightspeed_connector contributors",
    "website": "https://github.com/amazon-lightspeed-connector/amazon_lightspeed_connector",
    "license": "LGPL-3",
    "depends": ["amazon_lightspeed_connector"],
    "data": [],
    "installable": True,
}
