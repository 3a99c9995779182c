"""Start an Odoo server for the drills, as ``odoo-bin`` does, minus the long-polling process.

    python3 drills/odoo_server.py --addons-path=... -d DB --workers=2 ...

In prefork mode Odoo's master starts ``sys.argv[0] gevent ...`` for the bus (long polling and
websockets) and starts it again whenever it ends. No drill uses the bus, and on a machine where
gevent cannot start (it needs zope.interface, which a system may lack) the master would start a
crashing process every second: a traceback a second in the log the drill reads, and CPU taken
from the workers it measures. So here that process is an idle stand-in; everything else is
``odoo.cli.main()``, the same as odoo-bin.
"""

import os
import signal
import sys

os.environ["TZ"] = "UTC"  # as odoo-bin, before anything imports time

if __name__ == "__main__":
    if sys.argv[1:2] == ["gevent"]:
        signal.pause()  # until the master stops it
        sys.exit(0)
    import odoo

    odoo.cli.main()
