#!/bin/sh
# Every benchmark, one after the other; each prints its figures (see bench/README.md).
# The Odoo ones run in the test runner's throwaway database (ALC_PG_DIR picks its folder).
set -e
cd "$(dirname "$0")/.."
python3 bench/bench_routing.py
python3 bench/bench_listings.py
python3 tools/run_tests.py --odoo-only --test-tags bench/amazon_lightspeed_connector
