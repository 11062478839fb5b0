#!/usr/bin/env bash
# PostgreSQL measurements (a program, not a timed test), on a throwaway server from .ci/postgres.sh:
#  1. catalog load time (`vitrine info` opens the catalog and loads every vector) of the demo
#     catalog (397 items) on SQLite and on PostgreSQL;
#  2. replica catch-up: writes through replica A until replica B serves them (replica_catchup.py).
# Usage: benchmarks/postgres/run.sh [WRITES]   (after `swift build -c release`)
set -euo pipefail
cd "$(dirname "$0")/../.."
writes=${1:-200}
vitrine=.build/release/vitrine
source .ci/postgres.sh
trap stop_test_postgres EXIT
start_test_postgres
work=$(mktemp -d)
trap 'stop_test_postgres; rm -rf "$work"' EXIT
url="$VITRINE_TEST_POSTGRES_URL?schema=bench"

echo "== index the demo catalog (397 items) into SQLite and PostgreSQL"
"$vitrine" index assets/demo --store "$work/demo.sqlite" 2>/dev/null | tail -1
"$vitrine" index assets/demo --store "$url" 2>/dev/null | tail -1
"$pg_bin/psql" "$VITRINE_TEST_POSTGRES_URL" -tAc "SELECT 'vector storage: ' || value FROM bench.meta WHERE key = 'vector-storage'"

echo "== catalog load (vitrine info, best of 5)"
best() {
    local best=999
    for _ in 1 2 3 4 5; do
        local start end
        start=$(date +%s.%N)
        "$vitrine" info --store "$1" >/dev/null
        end=$(date +%s.%N)
        best=$(python3 -c "print(min($best, $end - $start))")
    done
    printf '%s: %.3f s\n' "$2" "$best"
}
best "$work/demo.sqlite" "sqlite"
best "$url" "postgres"

echo "== replica catch-up over $writes writes"
ports=()
pids=()
for replica in a b; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$vitrine" serve --store "$url" --port "$port" >"$work/replica-$replica.log" 2>&1 &
    pids+=($!)
    ports+=("$port")
done
for port in "${ports[@]}"; do
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
done
python3 benchmarks/postgres/replica_catchup.py "${ports[0]}" "${ports[1]}" "$writes"
kill "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
