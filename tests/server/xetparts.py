"""What a Xet client sends, built by hand for the tests the stock client cannot express: a
xorb and the shard naming it, a write token, and the embedded hub's Xet storage figures."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfgit.server.shardformat import FileTerm, ShardFile, ShardXorb, build_shard
from hfgit.server.xethash import chunk_hash, file_hash, hash_hex, verification_hash
from hfgit.server.xorbformat import build_xorb

CHUNK = 64 * 1024


@dataclass
class Upload:
    """One file as the client would send it: a xorb of its chunks and a shard."""

    data: bytes
    xorb: bytes
    xorb_hash: str
    shard: bytes
    sha256: str


def parts(data: bytes, *, sha256: bytes | None = None, verification: bytes | None = None) -> Upload:
    """A xorb of `data` in 64 KiB chunks and the shard of one file made of it all; `sha256`
    and `verification` replace what the shard would truthfully say."""
    chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    body, xorb = build_xorb(chunks)
    nodes = [(chunk_hash(c), len(c)) for c in chunks]
    check = verification or verification_hash([h for h, _ in nodes])
    term = FileTerm(xorb, 0, len(chunks), len(data), check)
    digest = sha256 or hashlib.sha256(data).digest()
    shard = build_shard(
        [ShardFile(file_hash(nodes), (term,), digest)], [ShardXorb(xorb, tuple(nodes))]
    )
    return Upload(data, body, hash_hex(xorb), shard, hashlib.sha256(data).hexdigest())


def write_token(http: Any, repo_id: str, token: str, kind: str = "models") -> tuple[str, str]:
    """(Xet access token, CAS URL) for uploading to `repo_id` with the Hub token `token`."""
    answer = http.get(
        f"/api/{kind}/{repo_id}/xet-write-token/main", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["accessToken"], answer.json()["casUrl"]


def send(http: Any, cas: str, token: str, upload: Upload) -> tuple[Any, Any]:
    """POST the xorb, then the shard; both answers."""
    bearer = {"Authorization": f"Bearer {token}"}
    xorb = http.post(
        f"{cas}/v1/xorbs/default/{upload.xorb_hash}", headers=bearer, content=upload.xorb
    )
    shard = http.post(f"{cas}/v1/shards", headers=bearer, content=upload.shard)
    return xorb, shard


def assert_hub_error(response: Any, status: int) -> None:
    """The Hub's error shape: the status, `X-Error-Message`, and a JSON `error`."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["X-Error-Message"]
    assert response.json()["error"] == response.headers["X-Error-Message"]


def stored_bytes(root: Path) -> int:
    """Bytes the hub keeps for Xet uploads (xorbs, chunk indexes, file records)."""
    total = 0
    for folder, _, names in os.walk(root / "xet"):
        total += sum(os.path.getsize(os.path.join(folder, n)) for n in names)
    return total
