"""bench/bench_listings.py runs and its figures hold on a small catalogue (counts, not time)."""

import importlib.util
from pathlib import Path

from amazon_lightspeed_connector.tests.simulators.amazon.testing import require_models

require_models()

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_listings.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_listings", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ten_percent_of_a_catalogue_costs_one_feed():
    lines = []
    _bench().run(skus=1_000, changed=0.10, threshold=100, seed=4, out=lines.append)
    text = "\n".join(lines)
    assert "1000 SKUs, 100 changed" in text
    assert "plan (threshold 100): feed, 1 feed(s), 0 patch(es), 6 request(s) planned" in text
    assert "feeds.createFeed " in text and "SKUs Amazon applied from the feed: 100" in text
    assert "same delta patched SKU by SKU: 100 requests" in text
