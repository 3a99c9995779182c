from . import amazon_oauth
