"""What an annotator sees, in a real browser: headless Chromium through the managed Label Studio.

Push one short article with the baseline's predictions, sign in as a new annotator, open the task,
check that the predicted entities, the claim with its cue/source links, the cleaning flags line
and the flag highlighted in the text at its offsets are on the page, answer a per-claim question
on the selected claim, submit, and find the annotation, answer included (the flag region left
out), in ``pull``.

Drives Debian's ``chromium`` through its ``chromedriver`` (``./run test`` installs both when it
can); nothing is downloaded at run time. On failure a screenshot and the page's HTML are left in
/tmp for whoever debugs it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from annotation.accounts import add_user
from annotation.project import TaskMap
from annotation.pull import pull
from annotation.push import push
from annotation.store import AnnotationStore
from corpus.ingest import ingest
from corpus.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.studio,
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian: apt-get install chromium "
        "chromium-driver; ./run test installs them when run as root)",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra: pip install -e .[test]")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ANNOTATOR = "browser.annotator@newsdesk.example"
FLAGGED = "oninternational"  # run_together_words flags it: "on international" run together
QUOTE = "The new ferry will cut the crossing to twenty minutes by next summer"
ARTICLE = f"""Harbour council approves new ferry for the island route

The harbour council of Portsmouth approved on Tuesday the purchase of an electric ferry for the
route to the Isle of Wight, the first of its kind {FLAGGED} routes.

“{QUOTE},” said council leader Margaret Oduya after the vote.

Residents had campaigned for a faster service for years.
"""
WAIT_SECONDS = 90  # the labeling app is a large bundle; a shared machine makes it slow


@pytest.fixture
def chromium(tmp_path):
    """A fresh headless Chromium, driven through the system chromedriver (no Selenium Manager)."""
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="newsdesk-chromium-")
    # The sandbox needs user namespaces root has not got; the rest keeps a closed network from
    # stalling the start (updates, sync, first-run pages).
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1600,1200",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def pushed(studio, tmp_path):
    """A workspace with the one article, pushed with the baseline's predictions."""
    source = tmp_path / "ferry.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    ws = Workspace.init(tmp_path / "ws")
    assert ingest(ws, [source]).ok
    path = ws.path("newsdesk.toml")
    path.write_text(path.read_text() + '\n[annotation]\npredictor = "baseline"\n')
    ws = Workspace.open(ws.root)
    report = push(ws, client=studio.admin_client())
    assert report.tasks_created == 1  # with its prediction, imported together
    return ws


def _save_for_debugging(driver, name: str) -> None:
    driver.save_screenshot(f"/tmp/{name}.png")
    Path(f"/tmp/{name}.html").write_text(driver.page_source, encoding="utf-8")


def _visible_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_an_annotator_sees_the_predictions_answers_a_claim_question_and_pull_finds_it(studio, pushed, chromium):
    admin = studio.admin_client()
    task_map = TaskMap.load(pushed)
    project_id = task_map.project_id
    (entry,) = task_map.tasks.values()
    task_id = entry["task_id"]
    task = admin.tasks.get(task_id)
    # The project page tells whoever edits the config there that push regenerates it.
    description = admin.projects.get(project_id).description
    assert "newsdesk annotate push" in description and task_map.marker in description
    (prediction,) = admin.predictions.list(task=task_id)
    predicted = {
        (r["from_name"], r["value"]["labels"][0], r["value"]["text"])
        for r in prediction.result
        if r.get("type") == "labels" and r["from_name"] != "cleaning_flags"
    }
    # The cleaning flag rides along in the prediction as a read-only region at the flag's offsets.
    (flag,) = task.data["flags"]
    (flag_region,) = [r for r in prediction.result if r.get("from_name") == "cleaning_flags"]
    assert flag["rule"] == "run_together_words" and task.data["text"][flag["start"] : flag["end"]] == FLAGGED
    assert flag_region["readonly"] and flag_region["value"]["labels"] == [flag["rule"]]
    assert (flag_region["value"]["start"], flag_region["value"]["end"]) == (flag["start"], flag["end"])
    links = [r for r in prediction.result if r.get("type") == "relation"]
    # The baseline found what the page must show: entities, the claim, and its cue/source links.
    assert {layer for layer, _, _ in predicted} == {"entities", "claims"}, predicted
    assert any(label == "CLAIM" for _, label, _ in predicted) and links, prediction.result
    # The annotator gives an answer the baseline did not, so the one pulled back is theirs.
    guessed = {v for r in prediction.result if r.get("from_name") == "check_worthiness" for v in r["value"]["choices"]}
    answer_value = next(v for v in ("unsure", "not check-worthy", "check-worthy") if v not in guessed)
    password = add_user(studio.workspace, ANNOTATOR, "annotator").first_password
    assert password

    driver = chromium
    wait = WebDriverWait(driver, WAIT_SECONDS)
    try:
        driver.get(f"{studio.url}/user/login/")
        wait.until(EC.presence_of_element_located((By.NAME, "email"))).send_keys(ANNOTATOR)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit], form input[type=submit]").click()
        wait.until(lambda d: "/user/login" not in d.current_url)

        driver.get(f"{studio.url}/projects/{project_id}/data?task={task_id}")
        # The labeling app is up when the article's text is on the page.
        wait.until(lambda d: "Isle of Wight" in _visible_text(d))
        wait.until(lambda d: "CLAIM" in _visible_text(d))
        page = _visible_text(driver)
        # The cleaning flags line (the task's Header) and every predicted label by name.
        assert FLAGGED in task.data["flags_note"] and task.data["flags_note"] in page
        # ... and the flag itself, highlighted in the text at its offsets, in the flags' red.
        highlight = (By.XPATH, f"//span[contains(@class, 'htx-highlight')][normalize-space()='{FLAGGED}']")
        marked = wait.until(EC.presence_of_element_located(highlight))
        # The labeling app's own record of where the highlight sits in the text it rendered.
        assert (marked.get_attribute("data-start"), marked.get_attribute("data-end")) == (
            str(flag["start"]),
            str(flag["end"]),
        )
        assert marked.get_attribute("data-label").endswith(flag["rule"])
        assert marked.value_of_css_property("background-color").startswith("rgba(255, 59, 48"), (
            marked.value_of_css_property("background-color")
        )
        for _, label, _ in predicted:
            assert label in page, label
        # The cue/source links are drawn over the text, one arrow each, with their labels.
        arrows = "[class*='relations-overlay'] [class*='relationItem']"
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, arrows)) == len(links))
        overlay = driver.find_element(By.CSS_SELECTOR, "[class*='relations-overlay']").get_attribute("textContent")
        for label in {label for link in links for label in link.get("labels", [])}:
            assert label in overlay, (label, overlay)  # SVG text: the labels run together
        _save_for_debugging(driver, "newsdesk-browser-task")

        # Select the claim (its entry in the region list), answer the question shown with it.
        claim_entry = (
            By.XPATH,
            "//*[contains(@class, 'outliner') or contains(@class, 'region')]"
            "[not(self::span[contains(@class, 'htx')])]//*[normalize-space(text())='CLAIM']",
        )
        wait.until(EC.element_to_be_clickable(claim_entry)).click()
        answer = (By.XPATH, f"//label[.//span[normalize-space(text())='{answer_value}']]")
        wait.until(EC.element_to_be_clickable(answer)).click()
        _save_for_debugging(driver, "newsdesk-browser-answered")
        submit = (By.XPATH, "//button[normalize-space()='Submit' or @aria-label='submit']")
        wait.until(EC.element_to_be_clickable(submit)).click()
        WebDriverWait(driver, WAIT_SECONDS, poll_frequency=1).until(
            lambda d: admin.tasks.get(task_id).total_annotations == 1
        )
    except Exception:
        _save_for_debugging(driver, "newsdesk-browser-failure")
        raise

    report = pull(pushed, client=admin)
    assert report.annotations == 1, report
    (mine,) = [r for r in AnnotationStore(pushed).records() if r.origin == "labelstudio"]
    assert mine.annotator == ANNOTATOR and mine.task_id == task_id and not mine.cancelled
    # The submitted annotation holds the read-only flag region; pull leaves it out, saying nothing.
    (submitted,) = admin.annotations.list(id=task_id)
    assert [r["value"]["start"] for r in submitted.result if r.get("from_name") == "cleaning_flags"] == [flag["start"]]
    assert not [p for p in mine.problems if "cleaning_flags" in p], mine.problems
    # The predicted regions and links came with it, and the answer sits on the claim.
    claims = {s.id for s in mine.spans if s.label == "CLAIM"}
    assert claims and {(s.layer, s.label, s.text) for s in mine.spans} == predicted
    assert len(mine.links) == len(links)
    assert ("check_worthiness", (answer_value,)) in {(c.name, c.values) for c in mine.choices if c.region_id in claims}
