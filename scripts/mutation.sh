#!/usr/bin/env bash
# Mutation testing of one area of the restore core (stryker.config.mjs):
#   bash scripts/mutation.sh core|rewrite|fs|host|glue [extra stryker args]
# Prints the wall time; reports go to reports/mutation/AREA/.
set -euo pipefail
cd "$(dirname "$0")/.."
area="${1:?usage: scripts/mutation.sh core|rewrite|fs|host|glue [stryker args]}"
shift
export MUTATION_AREA="$area"
start=$(date +%s)
npx stryker run "$@"
echo "mutation area $area: $(( $(date +%s) - start )) s"
