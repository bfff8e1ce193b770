"""Writes USERS x PER_USER live browser sessions into Redis for the admin
sessions-page benchmark, in the store's own layout: each is a copy of a
real session record (TEMPLATE_KEY, made by a real sign-in) with its owner
swapped, under a fresh handle, listed in its owner's index. Prints nothing;
feeds `redis-cli --pipe` with RESP on standard output.

usage: seed_sessions.py PREFIX TEMPLATE_JSON_FILE USER_IDS_FILE PER_USER
"""

import json
import os
import sys
import time


def resp(*args):
    out = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(f"${len(b)}\r\n".encode() + b + b"\r\n")
    return b"".join(out)


def main():
    prefix, template_file, ids_file, per_user = sys.argv[1:5]
    template = json.load(open(template_file))
    users = [line.strip() for line in open(ids_file) if line.strip()]
    now = int(time.time())
    expires = now + 3600
    w = sys.stdout.buffer
    for n, user in enumerate(users):
        for i in range(int(per_user)):
            handle = os.urandom(16).hex()
            record = json.loads(json.dumps(template))
            auth = record["data"]["auth"]
            auth["user_id"] = user
            auth["created_at"] = now - (n * int(per_user) + i)
            auth["last_seen"] = now
            auth["ip"] = f"10.0.{n % 256}.{i % 256}"
            w.write(resp("SET", f"{prefix}session:{handle}", json.dumps(record), "EXAT", expires))
            w.write(resp("ZADD", f"{prefix}user:{user}:sessions", expires, handle))


if __name__ == "__main__":
    main()
