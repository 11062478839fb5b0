#!/bin/bash
# vitrine serve end to end on a big store (BENCHMARKS.md, issue 14): time to the first answered `similar`,
# one-call latencies, RSS, and wrk (loopback, 2 threads, 4 and 16 connections) on similar items and on
# recommendations for a user with 5 likes. Needs wrk and a release build.
#   benchmarks/bench-index/serve.sh STORE ITEM_ID
set -eu
STORE=$1; ID=$2; PORT=${PORT:-18123}
cd "$(dirname "$0")/../.."
start=$(date +%s.%N)
.build/release/vitrine serve --store $STORE --port $PORT > /tmp/serve.log 2>&1 &
PID=$!
until curl -sf "http://127.0.0.1:$PORT/items/$ID/similar?k=10" > /dev/null; do sleep 0.1; done
echo "first similar answered after $(echo "$(date +%s.%N) - $start" | bc) s"
for i in 1 2 3; do curl -s -o /dev/null -w "similar %{time_total}s\n" "http://127.0.0.1:$PORT/items/$ID/similar?k=10"; done
ITEMS=$(curl -s "http://127.0.0.1:$PORT/items?limit=5" | python3 -c 'import json,sys; print(" ".join(i["id"] for i in json.load(sys.stdin)["items"]))')
BODY=$(python3 -c 'import sys; print("["+",".join("{\"item\":\"%s\",\"kind\":\"like\"}"%i for i in sys.argv[1:])+"]")' $ITEMS)
curl -s -X POST -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/users/u1/events"; echo
for i in 1 2 3; do curl -s -o /dev/null -w "recommendations %{time_total}s\n" "http://127.0.0.1:$PORT/users/u1/recommendations?k=10"; done
echo "RSS after warm-up $(($(ps -o rss= -p $PID) / 1024)) MB"
for c in 4 16; do echo "c$c"; wrk -t2 -c$c -d20s --latency "http://127.0.0.1:$PORT/items/$ID/similar?k=10" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors|requests in'
wrk -t2 -c$c -d20s --latency "http://127.0.0.1:$PORT/users/u1/recommendations?k=10" | grep -E 'Requests/sec|50%|99%|Non-2xx|Socket errors|requests in'; done
echo "RSS after wrk $(($(ps -o rss= -p $PID) / 1024)) MB"
kill -TERM $PID; wait $PID || true
