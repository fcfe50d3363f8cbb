"""End-to-end tests of `argoimg check --image` against the REAL registries from servers.py.

Run through ctest (it sets ARGOIMG_BIN and ARGOIMG_TEST_SERVERS and starts the servers).
"""
import json
import os
import shutil
import tempfile
import unittest

from support import ANON, SEEDED, SERVERS, TOKEN, argoimg, check_json, registries_conf, seed  # noqa: E402


class CheckImage(unittest.TestCase):
    def test_constraint_and_no_constraint_through_both_registries(self):
        for host in (ANON, TOKEN):
            with self.subTest(host=host):
                result, doc = check_json("--image", f"{host}/demo/app:~1.2", "--image", f"{host}/demo/app")
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(doc["schemaVersion"], 1)
                self.assertEqual(doc["command"], "check")
                self.assertEqual(doc["applications"], [])
                first, second = doc["images"]
                self.assertEqual(first["new"], "1.2.9")
                self.assertEqual(first["constraint"], "~1.2")
                self.assertEqual(first["status"], "resolved")
                self.assertEqual(first["repository"], f"{host}/demo/app")
                self.assertEqual(first["image"], f"{host}/demo/app")
                self.assertEqual(second["new"], "1.3.0")
                self.assertIsNone(second["constraint"])
                for key in ("alias", "current", "currentDigest", "newDigest", "reason"):
                    self.assertIn(key, first)
                self.assertEqual(doc["summary"]["images"], 2)
                self.assertEqual(doc["summary"]["errors"], 0)

    def test_simple_constraint_forms(self):
        cases = {"^1.2": "1.3.0", "1.2.x": "1.2.9", ">=1.2 <2": "1.3.0", "~1.3": "1.3.0",
                 ">=1.2.10-0 <1.3": "1.2.10-rc.1", "<1.2.5": "1.2.4", ">=1.2.3, <1.2.6": "1.2.5"}
        args = []
        for constraint in cases:
            args += ["--image", f"{ANON}/demo/app:{constraint}"]
        result, doc = check_json(*args)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([i["new"] for i in doc["images"]], list(cases.values()))

    def test_alias_and_text_table(self):
        result = argoimg("check", "--image", f"web={ANON}/demo/app:~1.2")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["IMAGE", "CONSTRAINT", "STRATEGY", "NEW", "STATUS"])
        self.assertEqual(lines[1].split(), [f"web={ANON}/demo/app", "~1.2", "semver", "1.2.9", "resolved"])
        self.assertIn("1 images: 1 resolved", result.stdout)

    def test_no_match_is_not_an_error(self):
        result, doc = check_json("--image", f"{ANON}/demo/app:~7.0")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["status"], "no-match")
        self.assertIn("~7.0", doc["images"][0]["reason"])

    def test_failures_are_per_image_and_exit_1(self):
        result, doc = check_json("--image", f"{ANON}/demo/missing", "--image", f"{ANON}/demo/app:~1.2",
                                 "--image", f"{ANON}/demo/app:~>>1", "--image", "Bad/Ref",
                                 "--image", f"{TOKEN}/demo/forbidden")
        self.assertEqual(result.returncode, 1)
        statuses = [i["status"] for i in doc["images"]]
        self.assertEqual(statuses, ["error", "resolved", "error", "error", "error"])
        self.assertIn("NAME_UNKNOWN", doc["images"][0]["reason"])
        self.assertIn("improper constraint", doc["images"][2]["reason"])
        # An uppercase first component names a registry (Docker's rule), so 'Ref' is the bad part.
        self.assertIn("invalid path component 'Ref'", doc["images"][3]["reason"])
        self.assertIn("insufficient_scope", doc["images"][4]["reason"])
        self.assertEqual(doc["summary"]["errors"], 4)
        self.assertIn("argoimg: error:", result.stderr)

    def test_unreachable_registry_is_a_clear_error(self):
        result, doc = check_json("--connect-timeout", "2", "--image", "127.0.0.1:1/demo/app")
        self.assertEqual(result.returncode, 1)
        self.assertIn("127.0.0.1:1", doc["images"][0]["reason"])

    def test_newest_build_over_a_multi_arch_index_per_platform(self):
        result, doc = check_json("--update-strategy", "newest-build", "--image", f"{ANON}/demo/multi",
                                 "--platforms", "linux/amd64")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "1.1")
        result, doc = check_json("--update-strategy", "newest-build", "--image", f"{ANON}/demo/multi",
                                 "--platforms", "linux/arm64")
        self.assertEqual(doc["images"][0]["new"], "1.0")
        result, doc = check_json("--update-strategy", "newest-build", "--image", f"{ANON}/demo/multi",
                                 "--platforms", "linux/s390x")
        self.assertEqual(doc["images"][0]["status"], "no-match")

    def test_newest_build_tie_goes_to_the_greatest_name(self):
        result, doc = check_json("--update-strategy", "newest-build", "--image", f"{TOKEN}/demo/tie")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "latest")

    def test_alphabetical(self):
        result, doc = check_json("--update-strategy", "alphabetical", "--image", f"{ANON}/demo/calver")
        self.assertEqual(doc["images"][0]["new"], "2024-9-01")
        result, doc = check_json("--update-strategy", "alphabetical", "--allow-tags",
                                 r"regexp:^\d{4}-\d{2}-\d{2}$", "--image", f"{ANON}/demo/calver")
        self.assertEqual(doc["images"][0]["new"], "2024-11-30")

    def test_digest_follows_a_re_pushed_tag(self):
        result, doc = check_json("--update-strategy", "digest", "--image", f"{ANON}/demo/multi:1.0")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "1.0")
        self.assertEqual(doc["images"][0]["newDigest"], SEEDED["demo/multi"]["1.0"])
        seeder = seed.Seeder(f"http://{ANON}")
        pushed = seeder.push_image("demo/repush", "stable", "2024-01-01T00:00:00Z")
        result, doc = check_json("--update-strategy", "digest", "--image", f"{TOKEN}/demo/repush:stable")
        self.assertEqual(doc["images"][0]["newDigest"], pushed)
        repushed = seeder.push_image("demo/repush", "stable", "2024-02-01T00:00:00Z")
        self.assertNotEqual(pushed, repushed)
        result, doc = check_json("--update-strategy", "digest", "--image", f"{TOKEN}/demo/repush:stable")
        self.assertEqual(doc["images"][0]["newDigest"], repushed)
        seeder.conn.close()

    def test_digest_checks_the_platform(self):
        result, doc = check_json("--update-strategy", "digest", "--platforms", "linux/s390x",
                                 "--image", f"{ANON}/demo/multi:1.0", "--explain")
        self.assertEqual(doc["images"][0]["status"], "no-match")
        verdicts = {c["tag"]: c["verdict"] for c in doc["images"][0]["explain"]}
        self.assertEqual(verdicts["1.0"], "wrong-platform")
        self.assertEqual(verdicts["1.1"], "not-tracked")

    def test_digest_without_a_tracked_tag_is_an_error(self):
        result, doc = check_json("--update-strategy", "digest", "--image", f"{ANON}/demo/app")
        self.assertEqual(result.returncode, 1)
        self.assertIn("needs the tag to track", doc["images"][0]["reason"])

    def test_explain_lists_every_candidate(self):
        result, doc = check_json("--explain", "--ignore-tags", "1.2.8", "--image", f"{ANON}/demo/app:~1.2")
        verdicts = {c["tag"]: c["verdict"] for c in doc["images"][0]["explain"]}
        self.assertEqual(verdicts["1.2.9"], "picked")
        self.assertEqual(verdicts["1.2.8"], "filtered-ignore")
        self.assertEqual(verdicts["1.3.0"], "outside-constraint")
        self.assertEqual(verdicts["1.2.10-rc.1"], "prerelease")
        self.assertEqual(verdicts["latest"], "not-semver")
        self.assertEqual(verdicts["1.2.0"], "older")
        text = argoimg("check", "--explain", "--image", f"{ANON}/demo/app:~1.2").stdout
        self.assertIn("candidates for", text)

    def test_oci_manifests(self):
        result, doc = check_json("--image", f"{ANON}/demo/oci", "--image", f"{ANON}/demo/oci:>=2.0.0-0")
        self.assertEqual([i["new"] for i in doc["images"]], ["v1.1.0", "v2.0.0-beta.1"])


class RegistriesConf(unittest.TestCase):
    def write_conf(self, text):
        import tempfile
        handle = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
        handle.write(text)
        handle.close()
        self.addCleanup(os.unlink, handle.name)
        return handle.name

    def test_prefix_maps_a_name_to_an_api_url(self):
        conf = self.write_conf(f"""registries:
- name: demo
  prefix: demo.registry.test
  api_url: http://{ANON}/
  ping: yes
""")
        result, doc = check_json("--registries-conf", conf, "--image", "demo.registry.test/demo/app:~1.2")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "1.2.9")
        self.assertEqual(doc["images"][0]["repository"], "demo.registry.test/demo/app")
        self.assertEqual(doc["summary"]["requests"], {"demo.registry.test": 2})

    def test_defaultns_is_prefixed_to_single_component_names(self):
        conf = self.write_conf(f"""registries:
- name: demo
  prefix: ns.registry.test
  api_url: http://{ANON}
  defaultns: demo
""")
        result, doc = check_json("--registries-conf", conf, "--image", "ns.registry.test/app:~1.2")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "1.2.9")

    def test_tagsortmode_picks_by_list_position_without_manifests(self):
        import urllib.request
        with urllib.request.urlopen(f"http://{ANON}/v2/demo/calver/tags/list") as response:
            served = json.load(response)["tags"]  # the order the registry serves
        for mode in ("latest-first", "latest-last"):
            conf = self.write_conf(f"""registries:
- name: sorted
  prefix: sorted.registry.test
  api_url: http://{ANON}
  tagsortmode: {mode}
""")
            result = argoimg("-o", "json", "--log-level", "debug", "check", "--registries-conf", conf,
                             "--update-strategy", "newest-build", "--image", "sorted.registry.test/demo/calver")
            self.assertEqual(result.returncode, 0, result.stderr)
            picked = json.loads(result.stdout)["images"][0]["new"]
            self.assertEqual(picked, served[0] if mode == "latest-first" else served[-1])
            self.assertNotIn("/manifests/", result.stderr)

    def test_bad_files_are_configuration_errors_with_a_position(self):
        conf = self.write_conf("registries:\n- name: x\n  api_url: https://x\n  limt: 3\n")
        result = argoimg("check", "--registries-conf", conf, "--image", "nginx")
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{conf}:4:3: unknown key 'limt' in registry entry (did you mean 'limit'?)", result.stderr)
        result = argoimg("check", "--registries-conf", "/nonexistent/registries.conf", "--image", "nginx")
        self.assertEqual(result.returncode, 2)
        self.assertIn("cannot read '/nonexistent/registries.conf'", result.stderr)


class Cli(unittest.TestCase):
    def test_commit_of_single_images_is_a_usage_error(self):
        result = argoimg("commit", "--image", "nginx")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stderr.strip(), "argoimg: error: commit: --image resolves single images and has "
                                                "nothing to write; use 'check'")
        self.assertEqual(result.stdout, "")

    def test_update_needs_something_to_update(self):
        result = argoimg("update")
        self.assertEqual(result.returncode, 2)
        self.assertIn("update: nothing to update", result.stderr)
        result = argoimg("update", "--image", "nginx")
        self.assertEqual(result.returncode, 2)
        self.assertIn("use 'check'", result.stderr)

    def test_usage_errors_exit_2_with_hints(self):
        result = argoimg("check", "--image", "x", "--update-strategy", "semvr")
        self.assertEqual(result.returncode, 2)
        self.assertIn("did you mean 'semver'?", result.stderr)
        result = argoimg("-o", "jsn", "check", "--image", "x")
        self.assertEqual(result.returncode, 2)
        self.assertIn("did you mean 'json'?", result.stderr)
        self.assertEqual(argoimg("check").returncode, 2)
        self.assertEqual(argoimg("check", "--bogus").returncode, 2)
        self.assertEqual(argoimg().returncode, 2)
        result = argoimg("check", "--platforms", "linux", "--image", "x")
        self.assertEqual(result.returncode, 2)
        self.assertIn("os/arch", result.stderr)

    def test_help_and_version(self):
        result = argoimg("--help")
        self.assertEqual(result.returncode, 0)
        for word in ("check", "update", "commit", "Exit codes"):
            self.assertIn(word, result.stdout)
        self.assertTrue(argoimg("--version").stdout.startswith("argoimg "))

    def test_debug_log_shows_requests_without_secrets(self):
        result = argoimg("--log-level", "debug", "check", "--image", f"{TOKEN}/demo/app")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("http: GET http://" + TOKEN + "/v2/ -> 401", result.stderr)
        self.assertIn("http: GET http://" + TOKEN + "/v2/demo/app/tags/list -> 200", result.stderr)
        self.assertIn("/token -> 200", result.stderr)
        self.assertNotIn("Bearer", result.stderr)
        self.assertNotIn("scope=", result.stderr)


class ArgoCdApi(unittest.TestCase):
    """The Argo CD contract server's fault modes (chosen by the token; see argocd_api.py)."""

    def setUp(self):
        self.server = SERVERS["ARGOIMG_TEST_ARGOCD_API"]
        directory = tempfile.mkdtemp(prefix="argoimg-test-")
        self.addCleanup(lambda: shutil.rmtree(directory, ignore_errors=True))
        self.conf = registries_conf(directory)

    def test_a_malformed_item_is_that_applications_error_and_the_rest_are_processed(self):
        result, doc = check_json("--server", self.server, "--plaintext", "--auth-token", "fault-items",
                                 "--registries-conf", self.conf)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual([a["name"] for a in doc["applications"]], ["good"])
        self.assertEqual(doc["applications"][0]["images"][0]["new"], "1.2.9")
        errors = doc["fileErrors"]
        self.assertEqual(len(errors), 3, errors)
        self.assertIn(f"Argo CD API 'http://{self.server}': item 1: ", errors[0])
        self.assertIn(f"Argo CD API 'http://{self.server}': item 3 ('bad-spec'): ", errors[1])
        self.assertIn("item 4: not an Application object", errors[2])
        self.assertEqual(doc["summary"]["errors"], 3)

    def test_a_non_json_answer_says_what_came_back(self):
        result = argoimg("check", "--server", self.server, "--plaintext", "--auth-token", "fault-html")
        self.assertEqual(result.returncode, 1)
        self.assertIn("listing applications: expected JSON, got HTTP 200 'text/html; charset=utf-8' starting "
                      "'<!doctype html>\\n<html><head><title>Argo CD</title></head><body>\\x1b[31mplease log",
                      result.stderr)
        self.assertNotIn("\x1b", result.stderr)
        self.assertNotIn("malformed JSON", result.stderr)


if __name__ == "__main__":
    unittest.main()
