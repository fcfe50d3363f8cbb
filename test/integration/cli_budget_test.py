"""End-to-end tests of issue 17's request budget: --max-requests spent on what matters first
(answers in the persistent cache cost nothing), images the budget cannot resolve whole skipped
with the reason, and a registry whose rate-limit headers say nothing is left not asked again.
Each test starts its own front (servers/front.py) and counts the requests there."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from cli_pages_test import Base
from support import argoimg, check_json


def application(name, image, current):
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
            f"  name: {name}\n  namespace: argocd\n  annotations:\n"
            f"    argocd-image-updater.argoproj.io/image-list: i={image}\n"
            "    argocd-image-updater.argoproj.io/i.update-strategy: newest-build\n"
            "    argocd-image-updater.argoproj.io/write-back-method: argocd\n"
            "spec:\n  project: default\n  source:\n"
            f"    repoURL: https://git.example/org/{name}.git\n    path: .\n    targetRevision: main\n"
            f"    kustomize:\n      images:\n      - {image}:{current}\n"
            "  destination:\n    server: https://kubernetes.default.svc\n    namespace: demo\n")


class Budget(Base):
    def cache_dir(self):
        directory = tempfile.mkdtemp(prefix="argoimg-budget-cache-")
        self.addCleanup(shutil.rmtree, directory, True)
        return directory

    def test_max_requests_resolves_the_cached_image_and_skips_the_rest(self):
        front = self.front()
        cache = self.cache_dir()
        oci = f"{front.address}/demo/oci"  # three tags: its configs will be in the cache
        app = f"{front.address}/demo/app"  # thirteen tags, never read before
        # Warm the cache with demo/oci alone: its configs (blobs by digest) are kept.
        result, doc = check_json("--cache-dir", cache, "--update-strategy", "newest-build",
                                 "--image", oci)
        self.assertEqual(doc["images"][0]["status"], "resolved", result.stderr)
        expected = doc["images"][0]["new"]
        cold = len(front.log())  # ping, list, 3 manifests, 3 configs
        self.assertEqual(cold, 8)
        # ping, two lists, demo/oci's 3 manifests by tag: less than demo/oci alone cost cold.
        budget = 6
        result, doc = check_json("--cache-dir", cache, "--max-requests", str(budget),
                                 "--update-strategy", "newest-build", "--image", app, "--image", oci)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLessEqual(len(front.log()) - cold, budget)
        by_image = {i["image"]: i for i in doc["images"]}
        self.assertEqual(by_image[oci]["status"], "resolved")
        self.assertEqual(by_image[oci]["new"], expected)
        self.assertEqual(by_image[app]["status"], "skipped")
        self.assertIsNone(by_image[app]["new"])  # never a pick from part of its candidates
        self.assertEqual(by_image[app]["reason"], f"request budget exhausted (--max-requests {budget})")
        self.assertEqual(doc["summary"]["budget"], {
            "maxRequests": budget, "used": budget, "remaining": 0, "refused": 1,
            "skippedImages": 1, "exhaustedRegistries": {}})
        text = argoimg("check", "--cache-dir", cache, "--max-requests", "2",
                       "--update-strategy", "newest-build", "--image", app)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("request budget exhausted (--max-requests 2)", text.stdout)
        self.assertIn("request budget: 2 of 2 requests used, 1 images skipped", text.stdout)

    def test_a_registry_with_no_requests_left_is_not_asked_again(self):
        # X-RateLimit-Remaining counts down from 10; the reset is a Unix time (2030-03-17).
        front = self.front("--rate-limit", "x", "--rate-limit-budget", "10")
        oci = f"{front.address}/demo/oci"
        app = f"{front.address}/demo/app"
        result, doc = check_json("--concurrency", "1", "--update-strategy", "newest-build",
                                 "--image", app, "--image", oci)
        self.assertEqual(result.returncode, 0, result.stderr)
        # ping, two lists, demo/oci's 3 manifests and 3 configs (the fewest candidates go
        # first), one manifest of demo/app: that answer says 0 remain, and nothing follows.
        self.assertEqual(len(front.log()), 10)
        by_image = {i["image"]: i for i in doc["images"]}
        self.assertEqual(by_image[oci]["status"], "resolved")
        self.assertEqual(by_image[oci]["new"], "v2.0.0-beta.1")
        self.assertEqual(by_image[app]["status"], "skipped")
        self.assertIsNone(by_image[app]["new"])
        reason = by_image[app]["reason"]
        self.assertRegex(reason, rf"^registry '{front.address}' rate limit exhausted; resets at "
                                 r"2030-03-17T17:46:40Z \(in \d+d\d+h\)$")
        budget = doc["summary"]["budget"]
        self.assertEqual(budget["exhaustedRegistries"], {front.address: reason})
        self.assertIsNone(budget["maxRequests"])
        self.assertEqual(budget["skippedImages"], 1)
        self.assertIn("its remaining images are skipped", result.stderr)

    def test_a_not_modified_answer_saying_none_are_left_stops_the_run_asking(self):
        # A warm run's tag lists are 304s: their rate-limit headers count as a 200's would.
        front = self.front("--etags", "--rate-limit", "x", "--rate-limit-budget", "5")
        cache = self.cache_dir()
        images = ["--image", f"{front.address}/demo/app", "--image", f"{front.address}/demo/oci"]
        flags = ["--cache-dir", cache, "--concurrency", "1", "--update-strategy", "alphabetical"]
        result, doc = check_json(*flags, *images)  # ping and two lists: 2 requests are left
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([i["status"] for i in doc["images"]], ["resolved", "resolved"])
        self.assertEqual(len(front.log()), 3)
        result, doc = check_json(*flags, *images)  # ping, one list (304, "0 left"), no more
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(front.log()), 5, front.log())
        statuses = sorted(i["status"] for i in doc["images"])
        self.assertEqual(statuses, ["resolved", "skipped"])
        skipped = [i for i in doc["images"] if i["status"] == "skipped"][0]
        self.assertRegex(skipped["reason"], rf"^registry '{front.address}' rate limit exhausted")
        self.assertEqual(doc["summary"]["rateLimits"][front.address]["remaining"], 0)

    def test_the_image_many_applications_share_goes_first(self):
        front = self.front()
        directory = tempfile.mkdtemp(prefix="argoimg-budget-apps-")
        self.addCleanup(shutil.rmtree, directory, True)
        app = f"{front.address}/demo/app"  # 13 candidates, read by two applications
        oci = f"{front.address}/demo/oci"  # 3 candidates, read by one
        for name, image, current in (("one", app, "1.2.3"), ("two", app, "1.2.3"),
                                     ("three", oci, "v1.0.0")):
            with open(os.path.join(directory, f"{name}.yaml"), "w") as f:
                f.write(application(name, image, current))
        # ping, two lists, demo/app's 13 manifests and 13 configs: demo/oci is left out,
        # though it is the cheaper image, because one resolution of demo/app serves two.
        budget = 29
        result = subprocess.run([os.environ["ARGOIMG_BIN"], "-o", "json", "check", "--no-cache",
                                 "--max-requests", str(budget), directory],
                                capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertLessEqual(len(front.log()), budget)
        doc = json.loads(result.stdout)
        by_name = {a["name"]: a for a in doc["applications"]}
        for name in ("one", "two"):
            self.assertEqual(by_name[name]["status"], "update", result.stdout)
            self.assertEqual(by_name[name]["images"][0]["new"], "latest")
        self.assertEqual(by_name["three"]["status"], "skipped")
        image = by_name["three"]["images"][0]
        self.assertEqual((image["status"], image["new"], image["reason"]),
                         ("skipped", None, f"request budget exhausted (--max-requests {budget})"))
        self.assertEqual(doc["summary"]["budget"]["skippedImages"], 1)


if __name__ == "__main__":
    unittest.main()
