"""tools/run_tests.py: ALC_DRILL_PYTEST_ARGS can name one drill file, and then only it runs."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

from run_tests import drill_selection


def test_a_drill_file_named_replaces_the_folder():
    # pytest given the folder and one of its files runs the whole folder
    assert drill_selection(["drills/test_kill_worker.py"]) == (["drills/test_kill_worker.py"], [])
    node = "drills/test_two_servers.py::test_two_servers_on_one_database"
    assert drill_selection([node, "-x"]) == ([node], ["-x"])


def test_options_and_keyword_expressions_stay_options():
    assert drill_selection(["-k", "kill or concurrent"]) == ([], ["-k", "kill or concurrent"])
    assert drill_selection(["-k", "drills"]) == ([], ["-k", "drills"])
    assert drill_selection(["drills/test_no_such_drill.py"]) == (
        [],
        ["drills/test_no_such_drill.py"],
    )
