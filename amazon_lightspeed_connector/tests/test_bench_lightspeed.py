"""Runs bench/bench_lightspeed.py (issue 7) in Odoo's test runner; not in the standard suite.

python3 tools/run_tests.py --no-lint --test-tags bench/amazon_lightspeed_connector
"""

import importlib.util
import logging
from pathlib import Path

from odoo.tests import TransactionCase, tagged

_logger = logging.getLogger(__name__)
BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_lightspeed.py"


@tagged("-standard", "bench", "post_install", "-at_install")
class TestBenchLightspeed(TransactionCase):
    def test_bench_lightspeed(self):
        if not BENCH.exists():
            self.skipTest("bench/bench_lightspeed.py is not next to the addon")
        spec = importlib.util.spec_from_file_location("bench_lightspeed", BENCH)
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        bench.run(self.env, out=lambda text: _logger.info("%s", text))
