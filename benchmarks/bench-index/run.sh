#!/bin/bash
# Alternating rounds of the catalog indexing benchmark: Vitrine, then the Python peer (Pillow + ONNX
# Runtime, same work) at batch 16, batch 32, and batch 32 decoding on two threads. Prints items/s
# (the Python figures include loading the models, as Vitrine's does) and the ratio to the best peer.
#
#   swift build -c release --product bench-index
#   benchmarks/bench-index/run.sh [PHOTOS=/tmp/vitrine-photos] [ROUNDS=3] [PYTHON=/tmp/venv/bin/python] [PRECISION=fp32|int8|text-int8]
# (PRECISION is Vitrine's encoder weights, text-int8 the text encoder alone; the Python peers stay fp32. CPU-seconds per 1,000 items are
# printed beside each Vitrine figure.)
set -euo pipefail
cd "$(dirname "$0")/../.."
photos=${1:-/tmp/vitrine-photos}
rounds=${2:-3}
python=${3:-/tmp/venv/bin/python}
precision=${4:-fp32}
case "$precision" in
    text-int8) precision_flags=(--text-precision int8) ;;
    *) precision_flags=(--precision "$precision") ;;
esac

peer() {
    "$python" benchmarks/bench-index/python_pipeline.py "$photos" --limit 1000 --threads 2 "$@" 2>/dev/null | tail -1 |
        "$python" -c "import json, sys; print('%.1f' % json.load(sys.stdin)['items_per_second_with_loading'])"
}

for round in $(seq 1 "$rounds"); do
    line=$( { /usr/bin/time -f 'cpu %U %S' .build/release/bench-index index "$photos" --limit 1000 "${precision_flags[@]}"; } 2>&1)
    vitrine=$(echo "$line" | grep 'swift index' | sed -E 's/.*→ ([0-9.]+) items\/s.*/\1/')
    cpu=$(echo "$line" | grep '^cpu ' | awk '{printf "%.0f", $2 + $3}')
    b16=$(peer --batch 16)
    b32=$(peer --batch 32)
    b32d=$(peer --batch 32 --decode-threads 2)
    best=$(printf '%s\n' "$b16" "$b32" "$b32d" | sort -n | tail -1)
    ratio=$("$python" -c "print('%.2f' % ($vitrine / $best))")
    echo "$(date -u +%H:%M) round $round: vitrine ($precision) $vitrine, ${cpu} CPU-s per 1,000 items | python b16 $b16, b32 $b32, b32 + 2 decode threads $b32d | ratio to best ${ratio}×"
done
