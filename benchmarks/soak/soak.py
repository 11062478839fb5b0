#!/usr/bin/env python3
"""Loopback soak of `vitrine serve` (issue 17): mixed traffic, then checks.

Phases, each against one server process on 127.0.0.1:
  1. baseline  - reads only (wrk, one process per route, `--latency`): p50/p99 per read route.
  2. flood     - the same reads while FLOOD_CLIENTS threads send picture searches as fast as they can, far
                 more than the encoder queue holds: reads must keep their latency; the encoder answers
                 503 + Retry-After beyond its queue (counted, expected here, never any other 5xx).
  3. soak      - DURATION seconds of reads (wrk) and text searches (wrk + Lua), plus concurrent Python
                 writers: uploads (POST /items with a picture), deletes of earlier uploads, event batches,
                 picture searches. Writers stay under the encoder queue's size, so here every 5xx is a failure.
Checks afterwards: no 5xx in the soak phase (wrk non-2xx counts and writer statuses), every acknowledged
item present (GET /items/{id} 200) and every deleted one gone (404), the store's event count grew by exactly
the events acknowledged with 201 (`vitrine_store_events` from /metrics), RSS growth after warm-up.

Usage: benchmarks/soak/soak.py [--duration 600] [--vitrine .build/release/vitrine] [--keep DIR]
Prints a Markdown summary; exit status 1 when a check fails.
"""
import argparse, http.client, json, os, random, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo"
READ_ROUTES = {  # route template -> path wrk requests
    "GET /items": "/items?limit=24",
    "GET /items/{id}": "/items/baby-tux",
    "GET /items/{id}/similar": "/items/butterfly/similar?k=12",
    "GET /items/{id}/image?size=256": "/items/cocktail/image?size=256",
}
LUA_SEARCH = """wrk.method = "POST"
wrk.body = '{"text": "a red bicycle in the city", "k": 12}'
wrk.headers["Content-Type"] = "application/json"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def parse_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(port, path, seconds, connections, script=None, threads=1):
    """Runs wrk and returns requests, non-2xx/3xx count, socket errors, p50 and p99 in ms."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    result = {"requests": 0, "non2xx": 0, "errors": 0, "p50": None, "p99": None}
    if m := re.search(r"(\d+) requests in", output):
        result["requests"] = int(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["errors"] = sum(int(x) for x in m.groups())
    for name, key in (("50%", "p50"), ("99%", "p99")):
        if m := re.search(rf"^\s+{name}\s+(\S+)", output, re.M):
            result[key] = parse_ms(m.group(1))
    result["raw"] = output
    return result


class Writers:
    """Concurrent writers over http.client; records statuses and latencies per route."""

    def __init__(self, port, pictures):
        self.port, self.pictures = port, pictures
        self.lock = threading.Lock()
        self.latencies = {}   # route -> [ms]
        self.statuses = {}    # route -> {status: count}
        self.created, self.deleted = set(), set()
        self.order = []  # created ids, oldest first
        self.claimed = set()  # ids a deleter is deleting
        self.acknowledged_events = 0
        self.stop = threading.Event()
        self.counter = 0

    def request(self, route, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            payload = response.read()
            status = response.status
        except OSError as error:
            status, payload = f"error:{type(error).__name__}", b""
        finally:
            connection.close()
        elapsed = (time.perf_counter() - start) * 1000
        with self.lock:
            self.latencies.setdefault(route, []).append(elapsed)
            counts = self.statuses.setdefault(route, {})
            counts[status] = counts.get(status, 0) + 1
        return status, payload

    def next_id(self, prefix):
        with self.lock:
            self.counter += 1
            return f"{prefix}-{os.getpid()}-{self.counter}"

    def uploader(self):
        boundary = "soakBoundary7MA4YWxk"
        while not self.stop.is_set():
            item = self.next_id("soak")
            name, picture = random.choice(self.pictures)
            body = b"".join([
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n{item}\r\n".encode(),
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nSoak item {item}\r\n".encode(),
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n".encode(),
                picture, f"\r\n--{boundary}--\r\n".encode()])
            status, _ = self.request("POST /items", "POST", "/items", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
            if status == 201:
                with self.lock:
                    self.created.add(item)
                    self.order.append(item)

    def deleter(self, keep=40):
        # Deletes the oldest uploads so that at most `keep` live at once: the catalog keeps its size, and RSS
        # growth measures leaks, not a catalog six times larger.
        while not self.stop.is_set():
            with self.lock:
                live = [item for item in self.order if item not in self.deleted and item not in self.claimed]
                victim = live[0] if len(live) > keep else None
                if victim:
                    self.claimed.add(victim)  # the other deleter takes the next one
            if victim is None:
                time.sleep(0.05)
                continue
            status, _ = self.request("DELETE /items/{id}", "DELETE", f"/items/{victim}")
            if status == 204:
                with self.lock:
                    self.deleted.add(victim)

    def eventer(self, user_index):
        items = [line and json.loads(line)["id"] for line in (DEMO / "items.jsonl").read_text().splitlines() if line.strip()]
        kinds = ["view", "click", "like", "purchase", "dislike"]
        while not self.stop.is_set():
            batch = [{"item": random.choice(items), "kind": random.choice(kinds)} for _ in range(10)]
            status, payload = self.request("POST /users/{id}/events", "POST", f"/users/soak-user-{user_index}/events",
                                           json.dumps(batch).encode(), {"Content-Type": "application/json"})
            if status == 201:
                with self.lock:
                    self.acknowledged_events += json.loads(payload)["recorded"]

    def picture_searcher(self, pause=0.0):
        while not self.stop.is_set():
            _, picture = random.choice(self.pictures)
            self.request("POST /search (picture)", "POST", "/search?k=12", picture, {"Content-Type": "image/png"})
            if pause:
                time.sleep(pause)


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def metric(port, name):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def run_reads(port, seconds, results):
    threads = []
    for route, path in READ_ROUTES.items():
        thread = threading.Thread(target=lambda r=route, p=path: results.__setitem__(r, wrk(port, p, seconds, 2)))
        thread.start()
        threads.append(thread)
    return threads


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=600, help="seconds of the mixed soak phase")
    parser.add_argument("--phase-seconds", type=int, default=30, help="seconds of the baseline and flood phases")
    parser.add_argument("--vitrine", default=str(ROOT / ".build" / "release" / "vitrine"))
    parser.add_argument("--flood-clients", type=int, default=16)
    parser.add_argument("--keep", help="keep the store in this folder")
    args = parser.parse_args()

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="vitrine-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    store = workdir / "catalog.sqlite"
    if not store.exists():
        subprocess.run([args.vitrine, "index", str(DEMO), "--store", str(store)], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(workdir / "server.log", "w")
    # 2 encoder jobs, 4 waiting: the soak writers (2 uploaders + 1 picture searcher + wrk's 1 text search
    # connection) never exceed it; the flood (16 clients) does.
    server = subprocess.Popen([args.vitrine, "serve", "--store", str(store), "--folder", str(DEMO), "--port", str(port),
                               "--encoder-jobs", "2", "--encoder-queue", "4"], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "notice")})
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    pictures = [(p.name, p.read_bytes()) for p in sorted((DEMO / "images").glob("*.png"))[:40]]
    script = workdir / "search.lua"
    script.write_text(LUA_SEARCH)
    failures = []
    try:
        # Warm-up: thumbnails and first encoder calls.
        for path in READ_ROUTES.values():
            subprocess.run(["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{port}{path}"])
        baseline = {}
        for thread in run_reads(port, args.phase_seconds, baseline):
            thread.join()

        flood_writers = Writers(port, pictures)
        flood_threads = [threading.Thread(target=flood_writers.picture_searcher) for _ in range(args.flood_clients)]
        for thread in flood_threads:
            thread.start()
        flood = {}
        for thread in run_reads(port, args.phase_seconds, flood):
            thread.join()
        flood_writers.stop.set()
        for thread in flood_threads:
            thread.join()

        events_before = metric(port, "vitrine_store_events") or 0
        rss_start = rss_kib(server.pid)
        writers = Writers(port, pictures)
        # Two deleters: one alone falls behind two uploaders, and the catalog would grow all along.
        jobs = [writers.uploader, writers.uploader, writers.deleter, writers.deleter, lambda: writers.picture_searcher(0.2)]
        jobs += [lambda i=i: writers.eventer(i) for i in range(4)]
        writer_threads = [threading.Thread(target=job) for job in jobs]
        for thread in writer_threads:
            thread.start()
        soak = {}
        rss_samples = []
        search = threading.Thread(target=lambda: soak.__setitem__("POST /search (text)", wrk(port, "/search", args.duration, 1, str(script))))
        search.start()
        read_threads = run_reads(port, args.duration, soak)
        # Warm-up: the first quarter of the soak (at least 30 s), when the upload and delete paths, SQLite's
        # cache and the allocator's arenas reach their working size. Growth is measured from its end.
        start = time.time()
        end = start + args.duration
        warm_up = max(30, args.duration // 4)
        rss_warm = None
        while time.time() < end:
            rss_samples.append((time.time() - start, rss_kib(server.pid)))
            if rss_warm is None and time.time() - start >= warm_up:
                rss_warm = rss_samples[-1][1]
            time.sleep(5)
        rss_warm = rss_warm or rss_samples[-1][1]
        for thread in read_threads + [search]:
            thread.join()
        writers.stop.set()
        for thread in writer_threads:
            thread.join()
        rss_end = rss_kib(server.pid)

        # Checks.
        for route, result in soak.items():
            if result["non2xx"] or result["errors"]:
                failures.append(f"{route}: {result['non2xx']} non-2xx, {result['errors']} socket errors in the soak")
        for route, counts in writers.statuses.items():
            bad = {s: n for s, n in counts.items() if not (isinstance(s, int) and s < 500)}
            if bad:
                failures.append(f"{route}: {bad} in the soak")
        for item in sorted(writers.created):
            status, _ = Writers(port, pictures).request("check", "GET", f"/items/{item}")
            expected = 404 if item in writers.deleted else 200
            if status != expected:
                failures.append(f"item {item}: {status}, expected {expected}")
        events_after = metric(port, "vitrine_store_events") or 0
        if events_after - events_before != writers.acknowledged_events:
            failures.append(f"events: store grew by {events_after - events_before}, {writers.acknowledged_events} acknowledged")
        growth = (rss_end - rss_warm) / rss_warm * 100 if rss_warm else 0
        if growth >= 10:
            failures.append(f"RSS grew {growth:.1f}% after warm-up")

        print(f"## Soak: {args.duration} s mixed, {args.phase_seconds} s baseline and flood phases")
        print()
        print("| read route | baseline p50 / p99 ms | flood p50 / p99 ms | soak p50 / p99 ms | soak requests |")
        print("|---|---:|---:|---:|---:|")
        fmt = lambda r: f"{r['p50']:.1f} / {r['p99']:.1f}" if r.get("p99") is not None else "n/a"
        for route in READ_ROUTES:
            print(f"| `{route}` | {fmt(baseline[route])} | {fmt(flood[route])} | {fmt(soak[route])} | {soak[route]['requests']} |")
        print(f"| `POST /search (text)` (wrk, 1 connection) | | | {fmt(soak['POST /search (text)'])} | {soak['POST /search (text)']['requests']} |")
        print()
        flood_counts = flood_writers.statuses.get("POST /search (picture)", {})
        print(f"Flood: {args.flood_clients} clients of picture search, statuses {dict(sorted(flood_counts.items(), key=str))}.")
        print()
        print("| writer route (soak) | requests | statuses | p50 ms | p99 ms |")
        print("|---|---:|---|---:|---:|")
        for route, values in sorted(writers.latencies.items()):
            print(f"| `{route}` | {len(values)} | {dict(sorted(writers.statuses[route].items(), key=str))} | "
                  f"{percentile(values, 0.5):.1f} | {percentile(values, 0.99):.1f} |")
        print()
        print(f"Items created {len(writers.created)}, deleted {len(writers.deleted)}; events acknowledged "
              f"{writers.acknowledged_events}, store grew by {events_after - events_before:.0f}.")
        print(f"RSS before the soak {rss_start / 1024:.1f} MiB, after its {warm_up} s warm-up {rss_warm / 1024:.1f} MiB, "
              f"max {max(r for _, r in rss_samples) / 1024:.1f} MiB, end {rss_end / 1024:.1f} MiB (growth after warm-up {growth:+.1f} %).")
        print("RSS every 5 s (MiB): " + " ".join(f"{r / 1024:.0f}" for _, r in rss_samples))
        print()
        print("Checks: " + ("all passed" if not failures else "FAILED:\n- " + "\n- ".join(failures)))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
