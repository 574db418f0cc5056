import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
GOLDENS = os.path.join(FIXTURES, "goldens")
sys.path.insert(0, HERE)

# Fixtures pyhf runs on live (cheap); the big ones are checked against goldens.
LIVE = ["simple_workspace", "two_channel_workspace", "complex_workspace", "godrun_workspace"]
BIG = ["workspace_tHu", "tttt-prod_workspace"]


def fixture_path(stem):
    return os.path.join(FIXTURES, stem + ".json")


def golden(stem):
    path = os.path.join(GOLDENS, stem + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f, parse_constant=float)


def fnum(v):
    return float(v) if not isinstance(v, str) else float(v.replace("inf", "inf"))


@pytest.fixture(scope="session")
def fixtures_dir():
    return FIXTURES
