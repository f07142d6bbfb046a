"""Rate limits live in RATELIMIT_STORAGE_URI, so several app servers share them.

Two separate processes play two app servers on one Redis: ten failed logins on the
first, the eleventh on the second is refused with 429.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import uuid

import pytest

REDIS = ("127.0.0.1", 6379)

SERVER = textwrap.dedent(
    """
    import sys
    from lms import create_app
    from lms.extensions import db

    database, redis_uri, attempts = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database,
                     RATELIMIT_STORAGE_URI=redis_uri, RATELIMIT_KEY_PREFIX=sys.argv[4])
    with app.app_context():
        db.create_all()
    client = app.test_client()
    wrong = {"email": "x@example.org", "password": "fout-fout-fout"}
    statuses = [client.post("/account/login", data=wrong).status_code for _ in range(attempts)]
    print(",".join(map(str, statuses)))
    """
)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_two_app_servers_share_the_login_limit_through_redis(tmp_path):
    database = f"sqlite:///{tmp_path}/shared.db"
    redis_uri = "redis://127.0.0.1:6379/15"
    prefix = f"lms-test-{uuid.uuid4().hex}"

    def server(attempts: int) -> list[int]:
        result = subprocess.run(
            [sys.executable, "-c", SERVER, database, redis_uri, str(attempts), prefix],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return [int(s) for s in result.stdout.strip().splitlines()[-1].split(",")]

    assert server(10) == [200] * 10
    assert server(1) == [429]
