"""Access before action: every public method of the connector (a button, anything callable over
RPC) checks the caller's rights on its records before it takes superuser rights or calls an API.

``requires`` declares that check on the method itself, so it runs first whatever the method does
next, and ``tests/test_public_methods_access.py`` compares the declaration with its table.
"""

import functools

from odoo.exceptions import AccessError

USER = "amazon_lightspeed_connector.group_connector_user"
MANAGER = "amazon_lightspeed_connector.group_connector_manager"
SYSTEM = "base.group_system"


def check_rights(records, operation, group=None):
    """Raise AccessError unless the caller may ``operation`` ('read', 'write'...) ``records``
    (access rights and record rules; on an empty recordset, the model) and is in ``group``.
    Superuser code (the scheduled actions, a flow already checked) passes."""
    if records.env.su:
        return
    if group and not records.env.user.has_group(group):
        raise AccessError(
            records.env._(
                "You are not allowed to do this on %(model)s: it is reserved to the group "
                "%(group)s.",
                model=records._description,
                group=records.env.ref(group).sudo().full_name,
            )
        )
    records.check_access(operation)


def requires(operation, group=None, also=None):
    """Decorate a public method: the caller must be allowed ``operation`` on the records (and
    be in ``group`` when given) before the method runs. ``also`` names a field whose records
    need ``operation`` too (a wizard acts on the record it points at)."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            check_rights(self, operation, group)
            if also:
                check_rights(self.mapped(also), operation)
            return method(self, *args, **kwargs)

        guarded.connector_access = (operation, group)
        return guarded

    return decorate
