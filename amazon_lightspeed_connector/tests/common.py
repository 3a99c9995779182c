import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from odoo.osv import expression
from odoo.tests import new_test_user

ADDON = "amazon_lightspeed_connector"
MIGRATIONS = Path(__file__).parent.parent / "migrations"


def make_user(env, login, groups, company=None):
    """A user with exactly ``groups`` (comma-separated xml ids), in ``company`` when given."""
    company = company or env.company
    return new_test_user(
        env,
        login=login,
        groups=groups,
        company_id=company.id,
        company_ids=[(6, 0, company.ids)],
    )


def load_file(path, name):
    """The Python file at ``path`` run as a module named ``name``: the addon's migration scripts
    and bench/'s benchmarks are not importable, Odoo and odoo shell run them by path too."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_migration(version, script):
    """The addon's migration script ``migrations/<version>/<script>`` as a module, to call its
    ``migrate(cr, version)`` on a test database."""
    path = MIGRATIONS / version / script
    name = "alc_migration_%s_%s" % (version, path.stem)
    return load_file(path, name.replace(".", "_").replace("-", "_"))


def tour_user(env, login, company_name, role="user"):
    """A new company and a connector ``role`` ("user", "manager") of it, who logs in to a
    browser tour with ``login`` as password: (company, user)."""
    company = env["res.company"].create({"name": company_name})
    user = make_user(env, login, "%s.group_connector_%s" % (ADDON, role), company)
    user.password = login
    return company, user


def run_tour(case, action, tour, user):
    """``user`` follows the browser tour ``tour`` from the addon's window action ``action``."""
    case.start_tour("/odoo/action-%s.%s" % (ADDON, action), tour, login=user.login)


def offer_on_amazon(env, channel, products, marketplace_id):
    """The channel sells every product of ``products`` (SKU -> product) on the marketplace."""
    for sku, product in products.items():
        env["amazon.offer"].create(
            {
                "account_id": channel.id,
                "marketplace_id": marketplace_id,
                "seller_sku": sku,
                "product_id": product.id,
            }
        )


def click(record, button):
    """What the web client does when ``button`` (an element of one of ``record``'s views) is
    clicked: its method, called on the record with the button's context."""
    context = ast.literal_eval(button.get("context") or "{}")
    return getattr(record.with_context(**context), button.get("name"))()


def open_figure(channel, field_name):
    """The list behind a figure of the channel's Overview card, as its button opens it."""
    return channel.with_context(dashboard_figure=field_name).action_open_dashboard_figure()


def run_with_cron_progress(model, cron_xmlid, method, **kwargs):
    """Call a scheduled action's method as the cron worker does, with a fresh
    ``ir.cron.progress`` of that action in the context; returns the progress (done, remaining):
    the worker runs the action again at once while ``remaining`` is above zero."""
    cron = model.env.ref(cron_xmlid)
    progress = model.env["ir.cron.progress"].sudo().create({"cron_id": cron.id})
    getattr(model.with_context(ir_cron_progress_id=progress.id), method)(**kwargs)
    return progress.done, progress.remaining


def budget_for(items):
    """An ``out_of_time`` for a run class: ``items`` items go, then the time is up."""
    calls = {"n": 0}

    def out_of_time(run):
        calls["n"] += 1
        return calls["n"] > items

    return out_of_time


def messages_about(env, *records):
    """Every chatter message posted on one of ``records`` (recordsets of any models)."""
    about = [[("model", "=", r._name), ("res_id", "in", r.ids)] for r in records]
    return env["mail.message"].search(expression.OR(about))


@dataclass
class HostileCase:
    """One case of a corpus of hostile answers (test_hostile_*.py): ``name`` names its subTest,
    ``hostile`` makes the answer hostile (each corpus says how), ``outcome`` is one of the
    corpus's outcomes, ``message`` what the user is told and ``check(case, ...)`` what else
    must hold afterwards."""

    name: str
    hostile: object
    outcome: str
    message: str = ""
    check: object = None


class CronHandover:
    """For the buttons that do what fits in a short budget and hand the rest over to their
    scheduled action (an ir.cron trigger)."""

    def active_cron(self, xmlid):
        cron = self.env.ref(xmlid)
        cron.active = True
        return cron

    def triggers(self, xmlid):
        """The scheduled action's triggers: what a button added is ``after - before``."""
        cron = self.env.ref(xmlid)
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)])

    def assertRestQueued(self, action, cron_xmlid, before, done=None, queued="The rest is"):
        """The button's notice is a warning (never a success with work left) that says what was
        done and what is queued (``queued``: how many, or "The rest is"), and a trigger added
        since ``before`` hands the rest to the scheduled action; returns the new triggers."""
        message = action["params"]["message"]
        never_success = "never success with work left: " + message
        self.assertEqual(action["params"]["type"], "warning", never_success)
        if done is not None:
            self.assertIn(done, message)
        self.assertIn("%s queued: the next run starts at" % queued, message)
        new = self.triggers(cron_xmlid) - before
        self.assertTrue(new, "the scheduled action takes the rest")
        return new


class SyncLogErrors:
    """For the flows whose success on a record resolves their open sync-log errors about it."""

    def open_errors(self, flow, record):
        """The unresolved error rows of ``flow`` about ``record``."""
        return self.env["amazon.sync.log"].search(
            [
                ("flow", "=", flow),
                ("level", "=", "error"),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("resolved", "=", False),
            ]
        )

    def overview_errors(self, channel):
        """The open error rows the Overview's "Open sync errors" figure of ``channel`` counts,
        checked against the figure itself."""
        channel.invalidate_recordset(["dashboard_sync_errors"])
        counted = self.env["amazon.sync.log"].browse(channel._sync_error_ids().get(channel.id))
        self.assertEqual(channel.dashboard_sync_errors, len(counted))
        return counted

    def assertResolvedAlone(self, errors, untouched, channel, counted_before):
        """``errors`` are resolved and the channel's Overview no longer counts them, while
        ``untouched`` (another record's or flow's) stays open and counted. (The figure may
        also count what the successful run met next, a routing problem say.)"""
        self.assertTrue(errors, "an error was logged to resolve")
        self.assertTrue(untouched, "another row to leave alone")
        self.assertLessEqual(errors | untouched, counted_before, "the Overview counted them")
        self.assertTrue(all(errors.mapped("resolved")), "the retry succeeded: resolved")
        self.assertFalse(any(untouched.mapped("resolved")), "another record's or flow's row stays")
        counted = self.overview_errors(channel)
        self.assertFalse(counted & errors, "the Overview no longer counts them")
        self.assertLessEqual(untouched, counted)
