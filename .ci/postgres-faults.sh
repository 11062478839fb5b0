# Sourced by .ci/run after the test suites, with the server of .ci/postgres.sh running: two real
# `vitrine serve` replicas on one PostgreSQL catalog while PostgreSQL is stopped and restarted.
# Checks: during the outage both answer reads from memory and a write gets 503; after the restart
# both reconnect, writes are acknowledged again, a delete through one shows up in the other, and
# exactly the acknowledged events are stored. Any failed check fails the run.

fault_fail() {
    echo "postgres fault check FAILED: $*" >&2
    for log in "$fault_dir"/replica-*.log; do echo "--- $log" >&2; tail -n 20 "$log" >&2; done
    return 1
}

# The HTTP status of a request: http_status METHOD URL [JSON body].
http_status() {
    if [ $# -ge 3 ]; then
        curl -s -o /dev/null -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' --data "$3" "$2"
    else
        curl -s -o /dev/null -w '%{http_code}' -X "$1" "$2"
    fi
}

# Waits up to $3 seconds for `http_status $1 $2` to be $4.
wait_for_status() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(http_status "$1" "$2")" = "$4" ] && return 0
        sleep 0.1
    done
    return 1
}

run_postgres_fault_check() {
    local vitrine=.build/release/vitrine
    fault_dir=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-ci-faults.XXXXXX")
    local url="$VITRINE_TEST_POSTGRES_URL?schema=fault_check"
    # Six demo items (pictures and descriptions), indexed with the real encoders.
    mkdir -p "$fault_dir/catalog/images"
    head -n 6 assets/demo/items.jsonl >"$fault_dir/catalog/items.jsonl"
    python3 - "$fault_dir/catalog" <<'PY'
import json, shutil, sys
for line in open(sys.argv[1] + "/items.jsonl"):
    for image in json.loads(line).get("images", []):
        shutil.copy("assets/demo/" + image, sys.argv[1] + "/" + image)
PY
    local ids
    ids=($(python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1])))' "$fault_dir/catalog/items.jsonl"))
    "$vitrine" index "$fault_dir/catalog" --store "$url" >/dev/null 2>&1 || fault_fail "indexing into PostgreSQL" || return 1

    local ports=() pids=()
    for replica in a b; do
        local port
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        "$vitrine" serve --store "$url" --port "$port" >"$fault_dir/replica-$replica.log" 2>&1 &
        pids+=($!)
        ports+=("$port")
    done
    local a="http://127.0.0.1:${ports[0]}" b="http://127.0.0.1:${ports[1]}"
    local result=0
    {
        wait_for_status GET "$a/health" 120 200 && wait_for_status GET "$b/health" 120 200 || fault_fail "replicas did not start"
    } && {
        [ "$(http_status POST "$a/users/fault-user/events" "[{\"item\": \"${ids[0]}\", \"kind\": \"like\"}]")" = 201 ] \
            || fault_fail "event before the outage not acknowledged"
    } && {
        stop_test_postgres_server || fault_fail "cannot stop PostgreSQL"
    } && {
        [ "$(http_status GET "$a/items/${ids[0]}/similar?k=3")" = 200 ] && [ "$(http_status GET "$b/items/${ids[1]}/similar?k=3")" = 200 ] \
            || fault_fail "reads during the outage were not answered from memory"
    } && {
        local status
        status=$(http_status POST "$b/users/fault-user/events" "[{\"item\": \"${ids[1]}\", \"kind\": \"like\"}]")
        [ "$status" = 503 ] || fault_fail "a write during the outage got $status, expected 503"
    } && {
        start_test_postgres_server || fault_fail "cannot restart PostgreSQL"
    } && {
        # Both replicas reconnect on their next call: keep writing through B until it is acknowledged.
        local deadline=$((SECONDS + 30)) acknowledged=""
        while [ $SECONDS -lt $deadline ]; do
            if [ "$(http_status POST "$b/users/fault-user/events" "[{\"item\": \"${ids[2]}\", \"kind\": \"like\"}]")" = 201 ]; then
                acknowledged=yes
                break
            fi
            sleep 0.2
        done
        [ -n "$acknowledged" ] || fault_fail "writes not acknowledged within 30 s of the restart"
    } && {
        [ "$(http_status DELETE "$a/items/${ids[3]}")" = 204 ] || fault_fail "delete through A after the restart failed"
    } && {
        wait_for_status GET "$b/items/${ids[3]}" 3 404 || fault_fail "B still serves the item deleted through A after 3 s"
    } && {
        local events
        events=$("$vitrine" info --store "$url" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["eventCount"])')
        [ "$events" = 2 ] || fault_fail "store holds $events events, expected the 2 acknowledged ones"
    } || result=1
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    rm -rf "$fault_dir"
    [ $result -eq 0 ] && echo "postgres fault check: reads from memory and 503 writes during the outage, reconnect and catch-up after it"
    return $result
}
