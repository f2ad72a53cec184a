"""Load generator and benchmark: `python -m bench.room --help`, figures in docs/performance.md."""
