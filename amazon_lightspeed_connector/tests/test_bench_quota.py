"""Runs bench/bench_quota.py (issue 9, quota-bound time) in Odoo's test runner; not standard.

python3 tools/run_tests.py --no-lint --test-tags bench/amazon_lightspeed_connector
"""

import importlib.util
import logging
from pathlib import Path

from odoo.tests import TransactionCase, tagged

_logger = logging.getLogger(__name__)
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_quota.py"


@tagged("-standard", "bench", "post_install", "-at_install")
class TestBenchQuota(TransactionCase):
    def test_bench_quota(self):
        if not BENCH.exists():
            self.skipTest("bench/bench_quota.py is not next to the addon")
        spec = importlib.util.spec_from_file_location("bench_quota", BENCH)
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        bench.run(self.env, out=lambda text: _logger.info("%s", text))
