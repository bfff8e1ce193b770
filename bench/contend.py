"""Exactly-once under contention: for each round, sign in through the API,
then let CLIENTS threads present the same refresh token at the same moment.
Prints "rounds rounds_with_exactly_one_200 total_200s total_other".

usage: contend.py BASE_URL USERNAME PASSWORD ROUNDS CLIENTS
"""

import http.client
import json
import sys
import threading
import urllib.parse


def post(base, path, body):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, data


def main():
    base, username, password, rounds, clients = sys.argv[1:6]
    rounds, clients = int(rounds), int(clients)
    exactly_one = total_ok = total_other = 0
    for _ in range(rounds):
        status, data = post(base, "/api/login", {"username": username, "password": password})
        if status != 200:
            sys.exit(f"login failed: {status} {data[:200]!r}")
        token = json.loads(data)["refresh_token"]
        barrier = threading.Barrier(clients)
        results = []
        lock = threading.Lock()

        def worker():
            barrier.wait()
            status, _ = post(base, "/api/refresh", {"refresh_token": token})
            with lock:
                results.append(status)

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = results.count(200)
        total_ok += ok
        total_other += len(results) - ok
        exactly_one += ok == 1
    print(rounds, exactly_one, total_ok, total_other)


if __name__ == "__main__":
    main()
