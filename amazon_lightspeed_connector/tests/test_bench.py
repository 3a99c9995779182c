"""Runs the Odoo benchmarks of bench/ in Odoo's test runner; not part of the standard suite.

    python3 tools/run_tests.py --odoo-only --test-tags bench/amazon_lightspeed_connector
    python3 tools/run_tests.py --odoo-only \
        --test-tags bench/amazon_lightspeed_connector:TestBench.test_bench_quota  # one of them

bench/ is not a package: each benchmark is loaded by its file path, and imports its shared
module (bench/odoo_bench.py) itself. Smaller sizes: the environment variables each benchmark's
docstring names. The figures go to the test log; nothing is asserted.
"""

import logging
from pathlib import Path

from odoo.tests import TransactionCase, tagged

from .common import load_file

_logger = logging.getLogger(__name__)
BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


@tagged("-standard", "bench", "post_install", "-at_install")
class TestBench(TransactionCase):
    """One method per benchmark of bench/, each loaded by its file path and run as it is."""

    def run_bench(self, file_name):
        path = BENCH_DIR / file_name
        if not path.exists():
            self.skipTest("bench/%s is not next to the addon" % file_name)
        bench = load_file(path, path.stem)  # the name that tells it from odoo shell's run
        bench.run(self.env, out=lambda text: _logger.info("%s", text))

    def test_bench_import(self):
        self.run_bench("bench_import.py")

    def test_bench_lightspeed(self):
        self.run_bench("bench_lightspeed.py")

    def test_bench_quota(self):
        self.run_bench("bench_quota.py")

    def test_bench_stock_history(self):
        self.run_bench("bench_stock_history.py")
