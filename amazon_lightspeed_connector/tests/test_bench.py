"""Runs the Odoo benchmarks of bench/ in Odoo's test runner; not part of the standard suite.

    python3 tools/run_tests.py --odoo-only --test-tags bench/amazon_lightspeed_connector
    python3 tools/run_tests.py --odoo-only \
        --test-tags bench/amazon_lightspeed_connector:TestBenchQuota   # one of them

bench/ is not a package: each benchmark is loaded by its file path, and imports its shared
module (bench/odoo_bench.py) itself. Smaller sizes: the environment variables each benchmark's
docstring names. The figures go to the test log; nothing is asserted.
"""

import importlib.util
import logging
from pathlib import Path

from odoo.tests import TransactionCase, tagged

_logger = logging.getLogger(__name__)
BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


class BenchCase(TransactionCase):
    def run_bench(self, file_name):
        path = BENCH_DIR / file_name
        if not path.exists():
            self.skipTest("bench/%s is not next to the addon" % file_name)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        bench.run(self.env, out=lambda text: _logger.info("%s", text))


@tagged("-standard", "bench", "post_install", "-at_install")
class TestBenchImport(BenchCase):
    def test_bench_import(self):
        self.run_bench("bench_import.py")


@tagged("-standard", "bench", "post_install", "-at_install")
class TestBenchLightspeed(BenchCase):
    def test_bench_lightspeed(self):
        self.run_bench("bench_lightspeed.py")


@tagged("-standard", "bench", "post_install", "-at_install")
class TestBenchQuota(BenchCase):
    def test_bench_quota(self):
        self.run_bench("bench_quota.py")


@tagged("-standard", "bench", "post_install", "-at_install")
class TestBenchStockHistory(BenchCase):
    def test_bench_stock_history(self):
        self.run_bench("bench_stock_history.py")
