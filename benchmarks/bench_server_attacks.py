"""The embedded hub's memory and CPU under hostile requests, from an anonymous client.

    python benchmarks/bench_server_attacks.py [--flood-mib 400] [--slow-clients 300]

`git hf serve` runs in a subprocess; each attack goes over a raw socket, and after each the
server's peak resident memory (VmHWM) and CPU time are read from /proc (Linux only):

  - a chunked body whose chunk size is `-1`, followed by --flood-mib MiB of data;
  - a chunked body announcing one chunk of 2^63 bytes;
  - /api/validate-yaml with a 3.6 MB README, and with the costliest front matter under the cap;
  - JSON nested 100,000 levels deep, 2 MiB of empty arrays, and the costliest JSON parsed;
  - --slow-clients connections that send half a request head and wait.

Target: every answer a 4xx (503 for connections over the cap), the server's peak RSS within
100 MiB of its idle peak, and no attack costing more than a second of server CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MiB = 1024 * 1024
TOKEN = "hf_benchAttackToken0123"
POST = "POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"


class Hub:
    """`git hf serve` in a subprocess, and what /proc says about it."""

    def __init__(self, root: Path, max_connections: int) -> None:
        env = {**os.environ, "HFGIT_SERVE_USER": "bench", "HFGIT_SERVE_TOKEN": TOKEN}
        command = [sys.executable, "-m", "hfgit.cli", "serve", "--root", str(root),
                   "--port", "0", "--max-connections", str(max_connections)]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        assert self.process.stdout is not None
        url = self.process.stdout.readline().strip()
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.address = (host, int(port))

    def status(self, field: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def peak_mib(self) -> float:
        return self.status("VmHWM") / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def connect(self) -> socket.socket:
        return socket.create_connection(self.address, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def answer_status(sock: socket.socket) -> str:
    """The status code of the answer on `sock`, or how the connection ended without one."""
    data = b""
    try:
        while b"\r\n" not in data:
            piece = sock.recv(65536)
            if not piece:
                return "closed"
            data += piece
    except ConnectionResetError:
        return "reset"
    except TimeoutError:
        return "no answer"
    return data.split(b" ", 2)[1].decode()


def send_flood(sock: socket.socket, head: bytes, mib: int) -> tuple[str, int]:
    """Send `head`, then up to `mib` MiB; (answer, MiB the server let in before answering)."""
    sock.sendall(head)
    block, sent = b"x" * MiB, 0
    try:
        for sent in range(mib):  # noqa: B007 (how far it got is the result)
            sock.sendall(block)
        sock.shutdown(socket.SHUT_WR)  # a server that reads to the end gets its end
    except OSError:
        pass
    return answer_status(sock), sent


def negative_chunk(hub: Hub, flood_mib: int) -> str:
    sock = hub.connect()
    head = POST.format(path="/api/validate-yaml") + "Transfer-Encoding: chunked\r\n\r\n-1\r\n"
    status, sent = send_flood(sock, head.encode(), flood_mib)
    sock.close()
    return f"{status} after {sent} of {flood_mib} MiB sent"


def huge_chunk(hub: Hub, flood_mib: int) -> str:
    sock = hub.connect()
    head = POST.format(path="/api/validate-yaml") + "Transfer-Encoding: chunked\r\n\r\n"
    status, sent = send_flood(sock, (head + "7fffffffffffffff\r\n").encode(), flood_mib)
    sock.close()
    return f"{status} after {sent} of {flood_mib} MiB sent"


def post_json(hub: Hub, path: str, body: bytes) -> str:
    sock = hub.connect()
    head = POST.format(path=path) + f"Content-Length: {len(body)}\r\n\r\n"
    sock.sendall(head.encode() + body)
    status = answer_status(sock)
    sock.close()
    return status


def big_readme(hub: Hub) -> str:
    readme = "---\nlicense: mit\n---\n" + "lorem ipsum " * 300_000  # 3.6 MB
    body = json.dumps({"content": readme, "repoType": "model"}).encode()
    return post_json(hub, "/api/validate-yaml", body)


def costly_front_matter(hub: Hub) -> str:
    front = "\n".join(f"k{i}: [{','.join(['x'] * 8)}]" for i in range(1_700))
    body = json.dumps({"content": f"---\n{front}\n---\n", "repoType": "model"}).encode()
    return f"{post_json(hub, '/api/validate-yaml', body)} ({len(body) // 1024} KiB)"


def alias_bomb(hub: Hub) -> str:
    lines = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    for parent, child in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{child}: &{child} [{','.join([f'*{parent}'] * 9)}]")
    body = json.dumps({"content": "---\n" + "\n".join(lines) + "\n---\n"}).encode()
    return post_json(hub, "/api/validate-yaml", body)


def deep_json(hub: Hub) -> str:
    return post_json(hub, "/api/repos/create", b"[" * 100_000 + b"]" * 100_000)


def many_arrays(hub: Hub) -> str:
    return post_json(hub, "/api/repos/create", b"[" + b"[]," * 699_000 + b"[]]")


def many_strings(hub: Hub) -> str:
    return post_json(hub, "/api/repos/create", b"[" + b'"abcdefgh",' * 180_000 + b'"x"]')


def slow_clients(hub: Hub, count: int) -> str:
    held, answers = [], {}
    for _ in range(count):
        sock = hub.connect()
        sock.sendall(b"GET /api/whoami-v2 HTTP/1.1\r\nHost: hub\r\n")
        held.append(sock)
    threads = hub.status("Threads")
    for sock in held[-20:]:  # the last ones came in over the cap
        sock.settimeout(3)
        status = answer_status(sock)
        answers[status] = answers.get(status, 0) + 1
    for sock in held:
        sock.close()
    return f"{answers} for the last 20; {threads} server threads"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood-mib", type=int, default=400)
    parser.add_argument("--slow-clients", type=int, default=300)
    args = parser.parse_args()
    attacks: list[tuple[str, Callable[[Hub], str]]] = [
        ("chunk size -1, then a flood", lambda h: negative_chunk(h, args.flood_mib)),
        ("one chunk of 2^63 bytes", lambda h: huge_chunk(h, args.flood_mib)),
        ("validate-yaml, 3.6 MB README", big_readme),
        ("validate-yaml, costliest front matter", costly_front_matter),
        ("validate-yaml, alias bomb", alias_bomb),
        ("JSON nested 100k deep", deep_json),
        ("JSON, 2 MiB of empty arrays", many_arrays),
        ("JSON, 180k strings (parsed)", many_strings),
        (f"{args.slow_clients} slow clients", lambda h: slow_clients(h, args.slow_clients)),
    ]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(Path(tmp) / "root", max_connections=64)
        try:
            post_json(hub, "/api/validate-yaml", b'{"content": "---\\na: 1\\n---\\n"}')
            idle = hub.peak_mib()
            print(f"server peak RSS at rest: {idle:.0f} MiB\n")
            print("| attack | answer | peak RSS after | server CPU |\n|---|---|---|---|")
            for name, attack in attacks:
                cpu = hub.cpu_seconds()
                answer = attack(hub)
                time.sleep(0.2)
                spent, peak = hub.cpu_seconds() - cpu, hub.peak_mib()
                print(f"| {name} | {answer} | {peak:.0f} MiB | {spent:.2f} s |")
                failed |= peak - idle > 100 or spent > 1.0 or "500" in answer
        finally:
            hub.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
