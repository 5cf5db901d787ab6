#!/usr/bin/env bash
# The main job: set up, then explore every catalog scenario under every policy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/venv.sh
exec "$py" -m wakebench.cli matrix "$@"
