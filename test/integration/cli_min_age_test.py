"""End-to-end tests of min-age (issue 17): build dates seeded into the real registry, first-seen
times in the cache directory's store, the annotation, and --explain.

Run through ctest (it sets ARGOIMG_BIN and ARGOIMG_TEST_SERVERS and starts the servers).
"""
import datetime
import hashlib
import json
import os
import shutil
import tempfile
import time
import unittest
import uuid

from support import ANON, argoimg, seed  # noqa: E402


def rfc3339(seconds_ago):
    when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


HOUR = 3600
DAY = 86400


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-min-age-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.cache = os.path.join(self.dir, "cache")
        self.seeder = seed.Seeder(f"http://{ANON}")
        self.addCleanup(self.seeder.conn.close)

    def repo(self, name):
        return f"demo/min-age-{name}-{uuid.uuid4().hex[:8]}"

    def run_json(self, *args):
        result = argoimg("-o", "json", "--cache-dir", self.cache, *args)
        self.assertIn(result.returncode, (0, 3), result.stderr)
        return result, json.loads(result.stdout)

    def store_file(self):
        seen = os.path.join(self.cache, "seen")
        files = [f for f in os.listdir(seen) if not f.startswith(".")]
        self.assertEqual(len(files), 1, files)
        return os.path.join(seen, files[0])

    def age_in_store(self, tag, seconds_ago):
        path = self.store_file()
        with open(path) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "argoimg-first-seen 3")
        self.assertTrue(lines[1].startswith("repository "))
        entries = dict(reversed(line.split(" ", 1)) for line in lines[3:])
        entries[tag] = str(int(time.time()) - seconds_ago)
        body = "".join(f"{t} {n}\n" for n, t in sorted(entries.items()))
        with open(path, "w") as f:  # as argoimg writes it: the repository, then the hash of the lines
            f.write(f"{lines[0]}\n{lines[1]}\nsha256 {hashlib.sha256(body.encode()).hexdigest()}\n{body}")

    @staticmethod
    def verdicts(image):
        return {c["tag"]: (c["verdict"], c.get("detail")) for c in image["explain"]}


class BuildDates(Base):
    def test_newest_build_skips_a_tag_built_too_recently(self):
        repo = self.repo("nb")
        self.seeder.push_image(repo, "old", rfc3339(3 * DAY))
        self.seeder.push_image(repo, "new", rfc3339(HOUR))
        image = f"{ANON}/{repo}"
        _, doc = self.run_json("check", "--update-strategy", "newest-build", "--image", image)
        self.assertEqual(doc["images"][0]["new"], "new")
        _, doc = self.run_json("check", "--update-strategy", "newest-build", "--min-age", "1d",
                               "--explain", "--image", image)
        picked = doc["images"][0]
        self.assertEqual(picked["new"], "old")
        self.assertIn("1 tag too young for min-age 1d; the first becomes eligible at", picked["reason"])
        verdict, detail = self.verdicts(picked)["new"]
        self.assertEqual(verdict, "too-young")
        self.assertRegex(detail, r"^built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, eligible at "
                                 r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(min-age 1d\)$")
        # a min-age the young build has reached
        _, doc = self.run_json("check", "--update-strategy", "newest-build", "--min-age", "30m",
                               "--image", image)
        self.assertEqual(doc["images"][0]["new"], "new")

    def test_explain_text_names_the_young_tag_and_when_it_is_eligible(self):
        repo = self.repo("text")
        self.seeder.push_image(repo, "a", rfc3339(10 * DAY))
        self.seeder.push_image(repo, "b", rfc3339(HOUR))
        result = argoimg("--cache-dir", self.cache, "check", "--update-strategy", "newest-build",
                         "--min-age", "2d", "--explain", "--image", f"{ANON}/{repo}")
        self.assertEqual(result.returncode, 0, result.stderr)
        line = next(l for l in result.stdout.splitlines() if l.strip().startswith("b "))
        self.assertIn("too-young (built ", line)
        self.assertIn("(min-age 2d))", line)


class FirstSeen(Base):
    def test_semver_waits_for_first_seen_times(self):
        repo = self.repo("semver")
        for tag in ("1.0.0", "1.1.0"):
            self.seeder.push_image(repo, tag, rfc3339(100 * DAY))  # build dates do not count for semver
        image = f"{ANON}/{repo}"
        # First run: every tag is seen for the first time, so none is old enough.
        _, doc = self.run_json("check", "--min-age", "1d", "--explain", "--image", image)
        first = doc["images"][0]
        self.assertEqual(first["status"], "no-match")
        self.assertIn("2 tags too young for min-age 1d", first["reason"])
        verdict, detail = self.verdicts(first)["1.1.0"]
        self.assertEqual(verdict, "too-young")
        self.assertRegex(detail, r"^first seen .*Z, eligible at .*Z \(min-age 1d\)$")
        # A day later for 1.0.0 only.
        self.age_in_store("1.0.0", DAY + 60)
        _, doc = self.run_json("check", "--min-age", "1d", "--image", image)
        self.assertEqual(doc["images"][0]["new"], "1.0.0")
        self.assertIn("1 tag too young", doc["images"][0]["reason"])
        # A tag pushed now is recorded on its first listing and waits too.
        self.age_in_store("1.1.0", DAY + 60)
        self.seeder.push_image(repo, "1.2.0", rfc3339(100 * DAY))
        _, doc = self.run_json("check", "--min-age", "1d", "--image", image)
        self.assertEqual(doc["images"][0]["new"], "1.1.0")
        with open(self.store_file()) as f:
            self.assertIn(" 1.2.0\n", f.read())
        # Without --min-age the store changes nothing.
        _, doc = self.run_json("check", "--image", image)
        self.assertEqual(doc["images"][0]["new"], "1.2.0")

    def test_a_corrupt_store_is_a_warning_and_rewritten(self):
        repo = self.repo("corrupt")
        self.seeder.push_image(repo, "1.0.0", rfc3339(DAY))
        image = f"{ANON}/{repo}"
        self.run_json("check", "--min-age", "1h", "--image", image)
        with open(self.store_file(), "w") as f:
            f.write("not a store")
        result, doc = self.run_json("check", "--min-age", "1h", "--image", image)
        self.assertIn("is corrupt; it is rewritten", result.stderr)
        self.assertEqual(doc["images"][0]["status"], "no-match")
        with open(self.store_file()) as f:
            self.assertTrue(f.read().startswith("argoimg-first-seen 3\n"))

    def test_no_cache_keeps_no_first_seen_times_and_says_so(self):
        repo = self.repo("nocache")
        self.seeder.push_image(repo, "1.0.0", rfc3339(DAY))
        result = argoimg("-o", "json", "--no-cache", "check", "--min-age", "1h", "--explain",
                         "--image", f"{ANON}/{repo}")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.count("min-age: no first-seen times are kept (--no-cache)"), 1,
                         result.stderr)
        image = json.loads(result.stdout)["images"][0]
        self.assertEqual(image["status"], "no-match")
        self.assertEqual(self.verdicts(image)["1.0.0"],
                         ("too-young", "age unknown: no first-seen times are kept (--no-cache) (min-age 1h)"))

    def test_a_bound_too_small_for_this_runs_first_seen_times_says_so(self):
        # demo/many's 5,000 tags make a first-seen file larger than a 32 KiB bound: evicted as
        # soon as written, min-age would wait for ever without a word.
        for _ in range(2):
            result, doc = self.run_json("--cache-max-size", "32KiB", "check", "--min-age", "1s",
                                        "--image", f"{ANON}/demo/many")
            self.assertIn("cannot hold this run's first-seen times (1 files evicted as soon as "
                          "written): min-age will keep waiting on their tags; raise "
                          "--cache-max-size", result.stderr)
            self.assertEqual(doc["images"][0]["status"], "no-match")
        result, doc = self.run_json("check", "--min-age", "1s", "--image", f"{ANON}/demo/many")
        self.assertNotIn("first-seen times (", result.stderr)  # the default bound holds them

    def test_bad_flag_is_a_usage_error(self):
        result = argoimg("check", "--min-age", "2 days", "--image", f"{ANON}/demo/app")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--min-age: invalid min-age '2 days'", result.stderr)


class Annotations(Base):
    def write_app(self, name, annotations, tag):
        path = os.path.join(self.dir, f"{name}.yaml")
        lines = "".join(f"    argocd-image-updater.argoproj.io/{k}: \"{v}\"\n" for k, v in annotations.items())
        with open(path, "w") as f:
            f.write(f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n"
                    f"  annotations:\n{lines}spec:\n  source: {{repoURL: r, helm: {{parameters: "
                    f"[{{name: image.tag, value: \"{tag}\"}}]}}}}\n")
        return path

    def test_annotation_overrides_the_flag_and_bad_values_fail_the_application(self):
        repo = self.repo("annotation")
        self.seeder.push_image(repo, "old", rfc3339(3 * DAY))
        self.seeder.push_image(repo, "new", rfc3339(HOUR))
        image = f"a={ANON}/{repo}"
        self.write_app("flag", {"image-list": image, "a.update-strategy": "newest-build"}, "old")
        self.write_app("annotated", {"image-list": image, "a.update-strategy": "newest-build",
                                     "a.min-age": "30m"}, "old")
        self.write_app("bad", {"image-list": image, "a.min-age": "2w"}, "old")
        result = argoimg("-o", "json", "--cache-dir", self.cache, "check", self.dir, "--min-age", "1d")
        self.assertEqual(result.returncode, 1, result.stderr)
        apps = {a["name"]: a for a in json.loads(result.stdout)["applications"]}
        self.assertEqual(apps["flag"]["images"][0]["status"], "up-to-date")
        self.assertIn("1 tag too young for min-age 1d", apps["flag"]["images"][0]["reason"])
        self.assertEqual(apps["annotated"]["images"][0]["status"], "update")
        self.assertEqual(apps["annotated"]["images"][0]["new"], "new")
        self.assertEqual(apps["bad"]["status"], "error")
        self.assertIn("bad.yaml:7: annotation 'argocd-image-updater.argoproj.io/a.min-age': "
                      "invalid min-age '2w': unknown unit 'w' (weeks are written in days: '7d')",
                      apps["bad"]["error"])


if __name__ == "__main__":
    unittest.main()
