"""CAMPUS_SEARCH_METRICS=off in a real process: no /metrics, everything else unchanged."""
import json
import urllib.error
import urllib.request

from conftest import Server


def _call(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_metrics_off_serves_without_metrics():
    s = Server(extra_env={"CAMPUS_SEARCH_METRICS": "off"}).start()
    try:
        status, _ = _call(s.url + "/metrics")
        assert status == 404
        status, _ = _call(s.url + "/collections/c", "PUT", {"vectors": {"size": 2, "distance": "Dot"}})
        assert status == 200
        status, _ = _call(s.url + "/collections/c/points?wait=true", "PUT",
                          {"points": [{"id": 1, "vector": [1, 0]}, {"id": 2, "vector": [0, 1]}]})
        assert status == 200
        status, body = _call(s.url + "/collections/c/points/query", "POST", {"query": [1, 0.1], "limit": 1})
        assert status == 200
        assert json.loads(body)["result"]["points"][0]["id"] == 1
    finally:
        s.cleanup()


def test_metrics_on_by_default_names_query_stages(server):
    _call(server.url + "/collections/stages", "PUT", {"vectors": {"size": 2, "distance": "Dot"}})
    _call(server.url + "/collections/stages/points?wait=true", "PUT", {"points": [{"id": 1, "vector": [1, 0]}]})
    status, _ = _call(server.url + "/collections/stages/points/query", "POST", {"query": [1, 0], "limit": 1})
    assert status == 200
    status, body = _call(server.url + "/metrics")
    assert status == 200
    text = body.decode()
    assert 'campus_query_stage_duration_seconds_count{stage="dense"}' in text
    assert 'campus_collection_operation_duration_seconds_count{operation="query"}' in text
    assert "campus_query_results_bucket" in text


def _request_size_sum(text, route):
    # Hummingbird names captures {collection} (older releases :collection).
    names = (route, route.replace("{collection}", ":collection"))
    for line in text.splitlines():
        if line.startswith("http_server_request_size_bytes_sum{") and 'method="POST"' in line \
                and any(f'route="{name}"' in line for name in names):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_chunked_request_bodies_count_their_bytes(server):
    """A body sent chunked (no Content-Length) is still measured in http_server_request_size_bytes."""
    import http.client

    _call(server.url + "/collections/chunked", "PUT", {"vectors": {"size": 2, "distance": "Dot"}})
    route = "/collections/{collection}/points/query"
    _, body = _call(server.url + "/metrics")
    before = _request_size_sum(body.decode(), route)
    payload = json.dumps({"query": [1, 0], "limit": 1, "with_payload": True}).encode()
    host, port = server.url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    # Two chunks, so the server cannot learn the length up front.
    connection.request("POST", "/collections/chunked/points/query", body=iter([payload[:10], payload[10:]]),
                       headers={"content-type": "application/json"}, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 200, response.read()
    response.read()
    connection.close()
    after = before
    for _ in range(50):
        _, body = _call(server.url + "/metrics")
        after = _request_size_sum(body.decode(), route)
        if after > before:
            break
    assert after - before == len(payload)
