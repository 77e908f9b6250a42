"""hfgit's benchmarks: `python -m benchmarks` (see benchmarks/README.md). Not part of the tests."""
