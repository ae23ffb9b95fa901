"""The shell reproduces what real bash printed for a corpus of small scripts."""

import pytest
from bash_cases import CASES
from shellrun import run


@pytest.mark.parametrize(("script", "out", "err", "status"), CASES,
                         ids=[f"case{i}" for i in range(len(CASES))])
def test_matches_recorded_bash(script, out, err, status):
    result = run(script)
    assert (result.out, result.err, result.status) == (out, err, status)
