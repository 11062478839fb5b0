#!/usr/bin/env bash
# PostgreSQL measurements (a program, not a timed test), on a throwaway server from .ci/postgres.sh:
#  1. for each vector layout (pgvector `vector`/`halfvec` columns, and `bytea` blobs as in SQLite):
#     catalog load time (`vitrine info` opens the catalog and loads every vector) of the demo catalog
#     (397 items), beside SQLite;
#  2. replica catch-up over WRITES writes through replica A until replica B serves them
#     (replica_catchup.py), for each layout;
#  3. read throughput: wrk on GET /items/{id}/similar against one replica, then against two replicas
#     at once (half the connections each), same total connections and duration.
# Usage: benchmarks/postgres/run.sh [WRITES] [SECONDS]   (after `swift build -c release`; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
writes=${1:-1000}
seconds=${2:-20}
vitrine=.build/release/vitrine
source .ci/postgres.sh
start_test_postgres
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; stop_test_postgres; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_replica() {  # URL LOG → prints the port once /health answers
    local port
    port=$(free_port)
    "$vitrine" serve --store "$1" --port "$port" >"$2" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
    echo "$port"
}
stop_replicas() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; pids=(); }
best_load() {  # STORE LABEL
    local best=999
    for _ in 1 2 3 4 5; do
        local start end
        start=$(date +%s.%N)
        "$vitrine" info --store "$1" >/dev/null
        end=$(date +%s.%N)
        best=$(python3 -c "print(min($best, $end - $start))")
    done
    printf 'load %s: %.3f s (best of 5)\n' "$2" "$best"
}

echo "== SQLite"
"$vitrine" index assets/demo --store "$work/demo.sqlite" 2>/dev/null | head -1
best_load "$work/demo.sqlite" "sqlite"
for layout in pgvector bytea; do
    url="$VITRINE_TEST_POSTGRES_URL?schema=bench_$layout&vectors=$layout"
    echo "== PostgreSQL, $layout"
    "$vitrine" index assets/demo --store "$url" 2>/dev/null | head -1
    "$pg_bin/psql" "$VITRINE_TEST_POSTGRES_URL" -tAc "SELECT 'vector storage: ' || value FROM bench_$layout.meta WHERE key = 'vector-storage'"
    best_load "$url" "postgres/$layout"
    a=$(start_replica "$url" "$work/a-$layout.log")
    b=$(start_replica "$url" "$work/b-$layout.log")
    python3 benchmarks/postgres/replica_catchup.py "$a" "$b" "$writes"
    stop_replicas
done

echo "== read throughput, GET /items/{id}/similar?k=10, 16 connections, $seconds s (pgvector schema)"
url="$VITRINE_TEST_POSTGRES_URL?schema=bench_pgvector"
"$vitrine" similar baby-tux --store "$url" --limit 1 >/dev/null
python3 - "$work/ids.txt" <<'PY'
import json, sys
ids = [json.loads(line)["id"] for line in open("assets/demo/items.jsonl")]
open(sys.argv[1], "w").write("\n".join(ids) + "\n")
PY
export VITRINE_BENCH_IDS="$work/ids.txt"
one=$(start_replica "$url" "$work/one.log")
echo "-- one replica"
wrk -t2 -c16 -d"${seconds}s" --latency -s benchmarks/postgres/similar.lua "http://127.0.0.1:$one" | grep -E "Requests/sec|99%|50%|Non-2xx"
stop_replicas
first=$(start_replica "$url" "$work/first.log")
second=$(start_replica "$url" "$work/second.log")
echo "-- two replicas (8 connections each, at the same time)"
wrk -t1 -c8 -d"${seconds}s" --latency -s benchmarks/postgres/similar.lua "http://127.0.0.1:$first" >"$work/wrk-first.txt" &
w1=$!
wrk -t1 -c8 -d"${seconds}s" --latency -s benchmarks/postgres/similar.lua "http://127.0.0.1:$second" >"$work/wrk-second.txt" &
w2=$!
wait "$w1" "$w2"
for f in first second; do echo "replica $f:"; grep -E "Requests/sec|99%|50%|Non-2xx" "$work/wrk-$f.txt"; done
stop_replicas
