import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_dir():
    """The steering repo's shared/ folder: $ALC_SHARED_DIR, else beside the clone."""
    return Path(os.environ.get("ALC_SHARED_DIR") or REPO.parent / "shared")


@pytest.fixture(scope="session")
def shared():
    path = shared_dir()
    if not path.is_dir():
        pytest.skip("shared/ (official models and recordings) not found at %s" % path)
    return path


# addons for Odoo only (tools/run_tests.py installs them in its own database): not pytest's
collect_ignore = ["addons"]
