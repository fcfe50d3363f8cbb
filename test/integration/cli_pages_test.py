"""End-to-end tests of issue 17's cold-run savings and registry budgets: large tag pages, a
refused page size asked again once and remembered, registries.conf `pagesize`, and the
rate-limit headers a registry sends, read and reported. Each test starts its own front
(servers/front.py) before the anonymous registry, configured like a real registry, and counts
the requests there."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from support import ANON, argoimg, check_json
from servers import free_port

FRONT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "servers", "front.py")
TAGS = "/v2/demo/many/tags/list"  # 5,000 tags: 0.0.0 … 49.99.0


def get_json(url, method="GET"):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
        return json.load(response)


class Front:
    """A front.py of our own, started with `options` and stopped by its process id."""

    def __init__(self, *options):
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, FRONT_SCRIPT, "--port", str(self.port),
                                      "--upstream", ANON, *options],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                get_json(f"http://{self.address}/_stats")
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError(f"front {options} did not start")
                time.sleep(0.05)

    def log(self):
        return get_json(f"http://{self.address}/_log")

    def tag_pages(self, path=TAGS):
        return [entry for entry in self.log() if entry.split("?")[0] == path]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Base(unittest.TestCase):
    def front(self, *options):
        front = Front(*options)
        self.addCleanup(front.stop)
        return front

    def conf(self, front, **fields):
        directory = tempfile.mkdtemp(prefix="argoimg-test-")
        self.addCleanup(lambda: __import__("shutil").rmtree(directory, ignore_errors=True))
        path = os.path.join(directory, "registries.conf")
        lines = [f"registries:\n- name: front\n  prefix: {front.address}\n  api_url: http://{front.address}"]
        lines += [f"  {k}: {v}" for k, v in fields.items()]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path


class PageSize(Base):
    def test_a_registry_honouring_large_pages_lists_five_thousand_tags_in_one_request(self):
        front = self.front("--default-page", "100", "--max-page", "10000")
        result, doc = check_json("--image", f"{front.address}/demo/many", "--image",
                                 f"{front.address}/demo/many:~7.3")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([i["new"] for i in doc["images"]], ["49.99.0", "7.3.0"])
        self.assertEqual(front.tag_pages(), [f"{TAGS}?n=10000"])
        self.assertEqual(doc["summary"]["requests"], {front.address: 2})  # the ping and one page

    def test_pagesize_asks_for_what_registries_conf_says(self):
        front = self.front("--default-page", "100", "--max-page", "10000")
        conf = self.conf(front, pagesize=1000)
        result, doc = check_json("--registries-conf", conf, "--image", f"{front.address}/demo/many")
        self.assertEqual(doc["images"][0]["new"], "49.99.0", result.stderr)
        pages = front.tag_pages()
        self.assertEqual(len(pages), 5)  # as argoimg asked before issue 17
        self.assertEqual(pages[0], f"{TAGS}?n=1000")

    def test_a_refused_size_is_asked_again_with_the_named_maximum_and_remembered(self):
        front = self.front("--default-page", "100", "--max-page", "1000", "--reject-larger")
        # --no-cache: a size an earlier test's front on the same port refused must not be recalled
        result, doc = check_json("--no-cache", "--log-level", "info", "--concurrency", "1",
                                 "--image", f"{front.address}/demo/many",
                                 "--image", f"{front.address}/demo/app")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([i["status"] for i in doc["images"]], ["resolved", "resolved"])
        self.assertEqual(doc["images"][0]["new"], "49.99.0")
        walks = [entry for entry in front.log() if "/tags/list" in entry]
        first = walks[0].split("?")[0]
        # The first walk is refused once and asked again with the maximum the front named...
        self.assertEqual(walks[:2], [f"{first}?n=10000", f"{first}?n=1000"])
        # ...and the other repository is asked with the size that worked, never 10,000 again.
        self.assertEqual([w for w in walks if w.endswith("n=10000")], [walks[0]])
        self.assertIn("/v2/demo/app/tags/list?n=1000", walks)
        self.assertEqual(len(front.tag_pages()), 5 + (first == TAGS))  # 5 pages of 1,000
        self.assertIn(f"registry '{front.address}' refused 10000 tags per page; asking for 1000 "
                      "for the rest of the run", result.stderr)

    def test_a_bad_pagesize_is_a_configuration_error_with_its_line(self):
        front = self.front()
        conf = self.conf(front, pagesize="lots")
        result = argoimg("check", "--registries-conf", conf, "--image", f"{front.address}/demo/app")
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{conf}:5:13: 'pagesize' must be a whole number of tags per page from 1 to "
                      "100000, not 'lots'", result.stderr)


class RateLimits(Base):
    def test_docker_hub_headers_are_reported_per_registry(self):
        front = self.front("--rate-limit", "dockerhub")
        result, doc = check_json("--log-level", "info", "--update-strategy", "digest",
                                 "--image", f"{front.address}/demo/app:1.2.3")
        self.assertEqual(result.returncode, 0, result.stderr)
        requests = doc["summary"]["requests"][front.address]
        self.assertEqual(doc["summary"]["rateLimits"], {front.address: {
            "limit": 100, "remaining": 100 - requests, "windowSeconds": 21600, "resetSeconds": None,
            "resetAt": None, "retryAfterSeconds": None}})
        self.assertIn(f"registry '{front.address}' rate limit: {100 - requests} of 100 requests left "
                      "(window 21600 s)", result.stderr)

    def test_x_ratelimit_with_a_reset_time_and_retry_after(self):
        front = self.front("--rate-limit", "x")
        result, doc = check_json("--image", f"{front.address}/faults/429/x")
        self.assertEqual(doc["images"][0]["status"], "resolved", result.stderr)
        budget = doc["summary"]["rateLimits"][front.address]
        self.assertEqual(budget["limit"], 100)
        self.assertEqual(budget["resetAt"], "2030-03-17T17:46:40Z")
        self.assertEqual(budget["retryAfterSeconds"], 1)
        self.assertNotIn("rate limit", result.stderr)  # info lines only at --log-level info

    def test_hostile_headers_are_ignored_and_never_echoed(self):
        front = self.front("--rate-limit", "hostile")
        result, doc = check_json("--log-level", "debug", "--image", f"{front.address}/demo/app")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["summary"]["rateLimits"], {})
        for text in (result.stdout, result.stderr):
            self.assertNotIn("\x1b", text)
            self.assertNotIn("pwned", text)
            self.assertNotIn("AAAA", text)
        self.assertNotIn("rate limit:", result.stderr)


if __name__ == "__main__":
    unittest.main()
