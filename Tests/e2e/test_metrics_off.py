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
