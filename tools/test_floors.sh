#!/usr/bin/env bash
# Run the test suite against the oldest supported jax/jaxlib/optax/flax/numpy (tools/floors.txt).
#   bash tools/test_floors.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${FLOORS_VENV:-$(mktemp -d)/venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# shellcheck disable=SC1091
source "$VENV/bin/activate"
python -m pip install --quiet --upgrade pip
pip install --quiet -c tools/floors.txt -e ".[test]"
python -c "import jax, optax, flax; print('jax', jax.__version__, 'optax', optax.__version__, 'flax', flax.__version__)"
pytest "$@"
