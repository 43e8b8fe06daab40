"""The platform API over real HTTP: a new data directory, the admin and token commands, then tRPC calls
the way the platform's web app makes them (plain JSON, batches, the streaming link)."""
import json
import subprocess
import urllib.parse

import pytest
import requests

from conftest import _binary


def cli(server, *args):
    """Runs `campus-search ARGS --data-dir <the server's>` beside the running server."""
    done = subprocess.run([_binary(), *args, "--data-dir", server.data_dir], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def platform(server):
    organization = json.loads(cli(server, "admin", "create-organization", "--name", "E2E Academy", "--tier", "standard"))
    instructor = json.loads(cli(server, "admin", "create-user", "--organization", organization["id"], "--email", "teach@e2e.test", "--role", "instructor"))
    other = json.loads(cli(server, "admin", "create-organization", "--name", "Other School", "--tier", "basic"))
    stranger = json.loads(cli(server, "admin", "create-user", "--organization", other["id"], "--email", "x@other.test", "--role", "admin"))
    return {
        "organization": organization, "instructor": instructor, "stranger": stranger,
        "token": cli(server, "token", "--user", instructor["id"], "--ttl", "600"),
        "stranger_token": cli(server, "token", "--user", stranger["id"]),
    }


def query(server, path, data=None, token=None, **kwargs):
    url = f"{server.url}/trpc/{path}"
    if data is not None:
        url += "?input=" + urllib.parse.quote(json.dumps(data))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(url, headers=headers, timeout=30, **kwargs)


def mutate(server, path, data, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{server.url}/trpc/{path}", json=data, headers=headers, timeout=30)


def test_a_new_user_reaches_an_authenticated_course_create(server, platform):
    created = mutate(server, "courses.create", {"title": "First course"}, platform["token"])
    assert created.status_code == 200, created.text
    course = created.json()["result"]["data"]
    assert course["title"] == "First course" and course["organizationId"] == platform["organization"]["id"]
    assert created.headers["vary"] == "trpc-accept, accept"
    assert created.headers["x-request-id"]
    fetched = query(server, "courses.get", {"courseId": course["id"]}, platform["token"]).json()["result"]["data"]
    assert fetched == course


def test_records_created_by_the_cli_are_seen_at_once_by_the_running_server(server, platform):
    late = json.loads(cli(server, "admin", "create-user", "--organization", platform["organization"]["id"],
                          "--email", "late@e2e.test", "--role", "student"))
    token = cli(server, "token", "--user", late["id"])
    answer = query(server, "billing.getQuota", token=token)
    assert answer.status_code == 200 and answer.json()["result"]["data"]["tier"] == "standard"


def test_errors_keep_tRPCs_envelope(server, platform):
    anonymous = mutate(server, "courses.create", {"title": "x"})
    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": {"message": "Authentication required. Please provide a valid Bearer token.", "code": -32001,
                                          "data": {"code": "UNAUTHORIZED", "httpStatus": 401, "path": "courses.create"}}}
    bad = query(server, "courses.get", {"courseId": "nope"}, platform["token"])
    assert bad.status_code == 400
    issues = json.loads(bad.json()["error"]["message"])
    assert issues[0]["path"] == ["courseId"] and issues[0]["message"] == "Invalid course ID"
    missing = query(server, "generation.nope")
    assert missing.status_code == 404


def test_another_organisations_course_answers_like_a_missing_one(server, platform):
    course = mutate(server, "courses.create", {"title": "Private"}, platform["token"]).json()["result"]["data"]
    foreign = query(server, "courses.get", {"courseId": course["id"]}, platform["stranger_token"])
    missing = query(server, "courses.get", {"courseId": "00000000-0000-4000-8000-000000000000"}, platform["stranger_token"])
    assert foreign.status_code == 404 and foreign.text == missing.text


def test_batches_and_the_streaming_link(server, platform):
    inputs = urllib.parse.quote(json.dumps({"0": {"message": "a"}, "1": {}}))
    batch = requests.get(f"{server.url}/trpc/generation.test,billing.getUsage?batch=1&input={inputs}",
                         headers={"Authorization": f"Bearer {platform['token']}"}, timeout=30)
    assert batch.status_code == 200
    items = batch.json()
    assert items[0]["result"]["data"]["echo"] == "a" and items[1]["result"]["data"]["tier"] == "standard"
    streamed = requests.post(f"{server.url}/trpc/courses.create,courses.create?batch=1",
                             data=json.dumps({"0": {"title": "S1"}, "1": {"title": ""}}),
                             headers={"Authorization": f"Bearer {platform['token']}", "Content-Type": "application/json",
                                      "trpc-accept": "application/jsonl"}, timeout=30, stream=True)
    lines = [json.loads(line) for line in streamed.iter_lines() if line]
    assert lines[0] == {"0": [[0], [None, 0, 0]], "1": [[0], [None, 0, 1]]}
    assert any(line[0] == 1 and "error" in line[2][0][0] for line in lines[1:])
    assert any(isinstance(line[2][0][0], dict) and line[2][0][0].get("title") == "S1" for line in lines[1:])
