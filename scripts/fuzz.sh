#!/usr/bin/env bash
# The socket commands' fuzzer (tests/test_fuzz_commands.py) at length: FUZZ_EXAMPLES payloads
# (default 10,000) with a new random seed each run, where `make test` runs 2,000 with a fixed one.
# A failure prints the command, the payload and the ack that broke a rule.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-10000}" FUZZ_SEED=random
exec .venv/bin/python -m pytest -p no:cacheprovider -q tests/test_fuzz_commands.py --hypothesis-show-statistics "$@"
