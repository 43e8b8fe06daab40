"""`campus-search bench dense --plot`: the tool draws its own recall/QPS chart with the peers it is given."""
import json
import subprocess
import xml.etree.ElementTree as ET

from conftest import _binary as binary

SVG = "{http://www.w3.org/2000/svg}"


def test_bench_dense_plot_draws_ours_and_the_peers(tmp_path):
    peers = tmp_path / "peers.json"
    peers.write_text(json.dumps({
        "campus-search": {"runs": [{"ef": 16, "recall": 0.5, "qps": 1.0}]},  # ours from another run: not drawn
        "hnswlib": {"runs": [{"ef": 16, "recall": 0.81, "qps": 9000.0, "qps_batch1t": 4000.0},
                             {"ef": 64, "recall": 0.97, "qps": 3000.0, "qps_batch1t": 1500.0}]},
        "faiss & co": {"runs": [{"ef": 16, "recall": 0.9, "qps": 2500.0}]},
    }))
    out = tmp_path / "plot.svg"
    result = subprocess.run(
        [binary(), "bench", "dense", "--synthetic", "3000,16", "--synthetic-queries", "50", "--ef", "8,32,128",
         "--threads", "2", "--plot", str(out), "--peers-json", str(peers)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    root = ET.parse(out).getroot()
    series = {g.get("data-engine"): g for g in root.iter(SVG + "g") if g.get("class") == "series"}
    assert set(series) == {"campus-search", "hnswlib", "faiss & co"}
    assert len(list(series["campus-search"].iter(SVG + "circle"))) == 3
    assert len(list(series["hnswlib"].iter(SVG + "circle"))) == 2
    assert series["campus-search"].find(SVG + "polyline") is not None
    # The peer's one-query-at-a-time figure is the one drawn.
    titles = [t.text for t in series["hnswlib"].iter(SVG + "title")]
    assert any("4000 QPS" in t for t in titles) and not any("9000" in t for t in titles)
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "recall@k" in texts and any(t and t.startswith("recall@10 against QPS: 3000") for t in texts)


def test_bench_dense_plot_refuses_a_bad_peers_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"hnswlib": {"no_runs": []}}')
    result = subprocess.run(
        [binary(), "bench", "dense", "--synthetic", "500,8", "--plot", str(tmp_path / "p.svg"), "--peers-json", str(bad)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "no `runs` list" in result.stderr + result.stdout
    assert not (tmp_path / "p.svg").exists()
