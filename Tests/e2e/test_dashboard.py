"""The built-in dashboard in a real browser: Debian's headless Chromium driven by selenium against the real server.
After some traffic each panel must show real figures, and the search box must return results. A screenshot is
saved to Tests/e2e/artifacts/dashboard.png."""
import os
import shutil
import time

import pytest
import requests

from conftest import ROOT

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = os.path.join(ROOT, "Tests", "e2e", "artifacts")


@pytest.fixture()
def browser():
    if not CHROMIUM or not DRIVER:
        pytest.skip("chromium and chromium-driver are not installed (scripts/setup.sh installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
    yield driver
    driver.quit()


def _traffic(server):
    requests.put(f"{server.url}/collections/lessons", json={
        "vectors": {"dense": {"size": 384, "distance": "Cosine"}}, "sparse_vectors": {"bm25": {"modifier": "idf"}}}, timeout=30)
    texts = ["Photosynthesis turns light into chemical energy in chloroplasts.",
             "The mitochondria is the powerhouse of the cell.",
             "Raft elects a leader and replicates a log to followers.",
             "A binary search tree keeps keys in sorted order."]
    points = [{"id": i + 1, "payload": {"content": t}, "vector": {
        "dense": {"text": t, "model": "sentence-transformers/all-MiniLM-L6-v2"}, "bm25": {"text": t, "model": "qdrant/bm25"}}}
        for i, t in enumerate(texts)]
    answer = requests.put(f"{server.url}/collections/lessons/points?wait=true", json={"points": points}, timeout=60)
    assert answer.status_code == 200, answer.text
    for _ in range(30):
        requests.post(f"{server.url}/collections/lessons/points/query",
                      json={"query": {"text": "leader election", "model": "sentence-transformers/all-MiniLM-L6-v2"}, "using": "dense"}, timeout=30)
        requests.get(f"{server.url}/trpc/generation.test", timeout=30)
    requests.get(f"{server.url}/collections/missing", timeout=30)


def test_every_panel_shows_real_figures_and_the_search_box_answers(server, browser):
    _traffic(server)
    browser.get(f"{server.url}/dashboard")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "1")
    # Traffic: a rate and latency percentiles, not the placeholder dash.
    wait.until(lambda d: d.find_element(By.ID, "req-count").text not in ("", "–", "0"))
    for element in ("req-rate", "req-p50", "req-p95", "req-p99", "uptime", "rss", "storage-used", "storage-map", "storage-commits"):
        assert browser.find_element(By.ID, element).text not in ("", "–"), element
    assert browser.find_element(By.ID, "req-p95").text.endswith(("ms", "µs"))
    assert browser.find_element(By.ID, "traffic-chart").find_elements(By.CSS_SELECTOR, "*"), "the traffic chart drew nothing"

    routes = browser.find_element(By.ID, "routes-table").text
    assert "/collections/{collection}/points/query" in routes or "points/query" in routes, routes
    procedures = browser.find_element(By.ID, "procedures-table").text
    assert "generation.test" in procedures, procedures
    collections = browser.find_element(By.ID, "collections-table").text
    assert "lessons" in collections and "4" in collections, collections
    caches = browser.find_element(By.ID, "caches-table").text
    assert "embedding" in caches and "%" in caches, caches
    assert browser.find_element(By.ID, "queues-table").text

    # The search box: a hybrid text query against the chosen collection.
    wait.until(lambda d: "lessons" in [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#search-collection option")])
    browser.execute_script("document.getElementById('search-collection').value = 'lessons'")
    browser.find_element(By.ID, "search-text").send_keys("which organelle makes energy for the cell?")
    browser.find_element(By.ID, "search-go").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results tr.hit"))
    first = browser.find_elements(By.CSS_SELECTOR, "#search-results tr.hit")[0].text
    assert "mitochondria" in first, first
    assert "hybrid" in browser.find_element(By.ID, "search-status").text

    os.makedirs(ARTIFACTS, exist_ok=True)
    time.sleep(0.5)
    browser.save_screenshot(os.path.join(ARTIFACTS, "dashboard.png"))
    assert os.path.getsize(os.path.join(ARTIFACTS, "dashboard.png")) > 10_000
