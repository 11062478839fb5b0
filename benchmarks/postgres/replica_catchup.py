#!/usr/bin/env python3
"""Replica catch-up latency: add an item through replica A (POST /items, text only), then poll
replica B until it serves the item. Prints p50/p99/max of (visible on B − acknowledged by A) over
N writes, and the write latency on A. Run by benchmarks/postgres/run.sh."""
import http.client
import statistics
import sys
import time
import uuid


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def multipart(fields):
    boundary = "vitrine-bench-" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    port_a, port_b, writes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    catchup, acknowledge = [], []
    for index in range(writes):
        item = f"bench-{uuid.uuid4().hex[:10]}"
        body, headers = multipart({"id": item, "title": f"Bench item {index}", "description": f"A red bicycle number {index}"})
        start = time.perf_counter()
        status = request(port_a, "POST", "/items", body, headers)
        acknowledged = time.perf_counter()
        if status != 201:
            sys.exit(f"POST /items on A answered {status}")
        while request(port_b, "GET", f"/items/{item}") != 200:
            if time.perf_counter() - acknowledged > 10:
                sys.exit(f"{item} not visible on B after 10 s")
            time.sleep(0.002)
        visible = time.perf_counter()
        acknowledge.append(acknowledged - start)
        catchup.append(visible - acknowledged)
    ms = lambda seconds: f"{seconds * 1000:.1f} ms"
    print(f"writes: {writes}")
    print(f"POST /items on A:        p50 {ms(statistics.median(acknowledge))}  p99 {ms(percentile(acknowledge, 0.99))}")
    print(f"visible on B after ack:  p50 {ms(statistics.median(catchup))}  p99 {ms(percentile(catchup, 0.99))}  max {ms(max(catchup))}")


if __name__ == "__main__":
    main()
