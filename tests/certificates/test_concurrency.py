"""Two coordinators click "uitreiken" at the same moment: one certificate per eligible person.

The issuing service is slowed down after it took its lock, so the two requests overlap for
sure; without the lock both would insert and one would crash on the unique index.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from lms.certificates import service
from lms.extensions import db
from lms.models import Certificate


def test_two_concurrent_issue_requests_yield_one_certificate_each(
    app, finished_course, create_user, api_token, monkeypatch
):
    real = service.activity_progress

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.4)  # hold the lock while the other request arrives
        return result

    monkeypatch.setattr(service, "activity_progress", slow)
    headers = [
        api_token(create_user(name=f"Coördinator {i}", roles=("coordinator",))) for i in (1, 2)
    ]
    url = f"/api/v1/activities/{finished_course.activity.id}/certificates"
    barrier = threading.Barrier(2)
    responses = [None, None]

    def click(index: int) -> None:
        client = app.test_client()
        barrier.wait()
        responses[index] = client.post(url, headers=headers[index])

    threads = [threading.Thread(target=click, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in responses] == [200, 200], [r.get_json() for r in responses]
    issued = sorted(len(r.get_json()["issued"]) for r in responses)
    assert issued == [0, 2]
    db.session.expire_all()
    per_person = db.session.execute(
        select(Certificate.user_id, func.count(Certificate.id)).group_by(Certificate.user_id)
    ).all()
    eligible = {finished_course.people[0].id, finished_course.people[1].id}
    assert {user_id for user_id, _n in per_person} == eligible
    assert all(n == 1 for _user_id, n in per_person)
