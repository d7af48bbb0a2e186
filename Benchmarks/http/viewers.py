#!/usr/bin/env python3
"""Attached consoles without terminals: each polls GET /api/snapshot?since=N twice a second on its
own keep-alive connection, naming itself in X-Edgewatch-Viewer, as `edgewatch attach` does.

    viewers.py BASE_URL COUNT SECONDS      (READ_TOKEN from the environment, when set)

Prints one line: "requests bytes errors cpu_seconds" for all viewers together.
"""
import http.client, os, re, resource, sys, threading, time, urllib.parse

base, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
url = urllib.parse.urlparse(base)
token = os.environ.get("READ_TOKEN")
COUNT = re.compile(rb'"transitionCount":(\d+)')
totals = {"requests": 0, "bytes": 0, "errors": 0}
lock = threading.Lock()
end = time.monotonic() + seconds


def viewer(index):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=3)
    headers = {"X-Edgewatch-Viewer": "bench-%d" % index}
    if token:
        headers["Authorization"] = "Bearer " + token
    seen, requests, received, errors = 0, 0, 0, 0
    next_poll = time.monotonic()
    while next_poll < end:
        try:
            connection.request("GET", "/api/snapshot?since=%d" % seen, headers=headers)
            response = connection.getresponse()
            body = response.read()
            requests += 1
            received += len(body)
            if response.status == 200:
                # Only the count is needed to ask for what is new; a JSON parse of every answer
                # would cost this client more than the server's whole answer.
                seen = int(COUNT.search(body).group(1))
            else:
                errors += 1
        except Exception:
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=3)
        next_poll += 0.5
        time.sleep(max(0, next_poll - time.monotonic()))
    with lock:
        totals["requests"] += requests
        totals["bytes"] += received
        totals["errors"] += errors


threads = [threading.Thread(target=viewer, args=(i,)) for i in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(totals["requests"], totals["bytes"], totals["errors"], "%.2f" % (usage.ru_utime + usage.ru_stime))
