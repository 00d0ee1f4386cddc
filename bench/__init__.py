"""The benchmark of presence-mock: `python -m bench --help`. Not part of the test suite."""
