"""Documents end to end over real HTTP with the real model: a PDF uploaded as multipart/form-data becomes
searchable; a `kill -9` in the middle of the pipeline leaves, after a restart, the file indexed once with no
duplicate points."""
import json
import os
import time

import requests

from conftest import ROOT, Server
from test_trpc import cli, mutate, query

FIXTURES = os.path.join(ROOT, "Tests", "DocumentsTests", "Fixtures")


def _world(server):
    organization = json.loads(cli(server, "admin", "create-organization", "--name", "Docs Academy", "--tier", "premium"))
    instructor = json.loads(cli(server, "admin", "create-user", "--organization", organization["id"], "--email", "docs@e2e.test",
                                "--role", "instructor"))
    token = cli(server, "token", "--user", instructor["id"], "--ttl", "3600")
    course = mutate(server, "courses.create", {"title": "Distributed Systems"}, token).json()["result"]["data"]
    return token, course


def _upload_form(server, token, course_id, name, data, mime):
    return requests.post(f"{server.url}/trpc/generation.uploadFile", headers={"Authorization": f"Bearer {token}"},
                         data={"courseId": course_id}, files={"file": (name, data, mime)}, timeout=120)


def _wait(server, token, file_id, statuses=("indexed", "failed"), timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        row = query(server, "documents.get", {"fileId": file_id}, token).json()["result"]["data"]
        if row["vectorStatus"] in statuses:
            return row
        time.sleep(0.02)
    raise AssertionError(f"{file_id} never reached {statuses}")


def _points(server, file_id):
    body = {"filter": {"must": [{"key": "document_id", "match": {"value": file_id}}]}, "limit": 10000, "with_payload": ["chunk_id"]}
    return requests.post(f"{server.url}/collections/course_embeddings/points/scroll", json=body, timeout=30).json()["result"]["points"]


def test_a_pdf_uploaded_as_a_form_is_searchable(server):
    token, course = _world(server)
    with open(os.path.join(FIXTURES, "report.pdf"), "rb") as f:
        pdf = f.read()
    started = time.time()
    answer = _upload_form(server, token, course["id"], "report.pdf", pdf, "application/pdf")
    assert answer.status_code == 200, answer.text
    acknowledged = time.time()
    file_id = answer.json()["result"]["data"]["fileId"]
    row = _wait(server, token, file_id)
    searchable = time.time()
    assert row["vectorStatus"] == "indexed", row
    assert row["fileSize"] == len(pdf) and row["mimeType"] == "application/pdf"
    points = _points(server, file_id)
    assert len(points) == row["chunkCount"] > 10
    print(f"report.pdf (10 pages): upload {acknowledged - started:.3f} s, searchable {searchable - acknowledged:.3f} s after the ack")

    found = query(server, "search.chunks", {"courseId": course["id"], "query": "which clocks order events without synchronised time?",
                                            "limit": 5}, token).json()["result"]["data"]
    assert any("Lamport clocks order events" in hit["content"] for hit in found["results"]), found
    top = found["results"][0]
    assert top["document_id"] == file_id and top["page_number"] is not None and found["metadata"]["search_type"] == "hybrid"


def test_kill_9_in_the_middle_of_the_pipeline_then_restart_indexes_the_file_once():
    first = Server().start()
    try:
        token, course = _world(first)
        # A long Markdown document: hundreds of chunks, so the kill lands while it is embedding.
        sections = []
        for chapter in range(12):
            sections.append(f"# Chapter {chapter}\n")
            for paragraph in range(6):
                words = " ".join(f"topic{chapter}x{paragraph}w{w}" if w % 9 == 0 else "replication consensus quorum ledger"
                                 for w in range(60))
                sections.append(f"Paragraph {paragraph} of chapter {chapter}: {words}.\n")
        body = "\n".join(sections).encode()
        answer = _upload_form(first, token, course["id"], "long.md", body, "text/markdown")
        assert answer.status_code == 200, answer.text
        file_id = answer.json()["result"]["data"]["fileId"]
        row = _wait(first, token, file_id, statuses=("indexing", "indexed", "failed"))
        assert row["vectorStatus"] == "indexing", "the pipeline finished before the kill could land"
        time.sleep(0.3)
        first.kill(9)

        second = Server()
        second.data_dir = first.data_dir
        second.start()
        try:
            row = _wait(second, token, file_id, timeout=300)
            assert row["vectorStatus"] == "indexed", row
            points = _points(second, file_id)
            chunk_ids = [p["payload"]["chunk_id"] for p in points]
            assert len(points) == row["chunkCount"] and len(set(p["id"] for p in points)) == len(points)
            assert len(set(chunk_ids)) == len(chunk_ids)
            listed = query(second, "documents.list", {"courseId": course["id"]}, token).json()["result"]["data"]
            assert listed["total"] == 1
            usage = query(second, "billing.getUsage", None, token).json()["result"]["data"]
            assert usage["storageUsedBytes"] == len(body)
        finally:
            second.stop()
    finally:
        first.cleanup()
