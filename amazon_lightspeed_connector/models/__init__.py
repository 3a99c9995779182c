from . import amazon_sync_log
