"""End-to-end tests of the registry client: auth flows, TLS, credentials, pagination, faults,
dedup and secrecy, against the REAL servers from servers.py (run through ctest)."""
import base64
import json
import os
import stat
import tempfile
import unittest
import urllib.request

from support import ANON, SERVERS, TOKEN, argoimg, check_json, write_kubeconfig

TLS = SERVERS["ARGOIMG_TEST_TLS_REGISTRY"]
TOKEN_TLS = SERVERS["ARGOIMG_TEST_TOKEN_TLS_REGISTRY"]
CA = SERVERS["ARGOIMG_TEST_CA"]
FRONT = SERVERS["ARGOIMG_TEST_FRONT"]
FRONT_ABS = SERVERS["ARGOIMG_TEST_FRONT_ABSOLUTE"]
FRONT_REDIRECT = SERVERS["ARGOIMG_TEST_FRONT_REDIRECT"]
STORAGE = SERVERS["ARGOIMG_TEST_BLOB_STORAGE"]
ISSUER = SERVERS["ARGOIMG_TEST_TOKEN_ISSUER"]
ALICE = f'{SERVERS["ARGOIMG_TEST_TOKEN_USER"]}:{SERVERS["ARGOIMG_TEST_TOKEN_PASSWORD"]}'
BOB = f'{SERVERS["ARGOIMG_TEST_BASIC_USER"]}:{SERVERS["ARGOIMG_TEST_BASIC_PASSWORD"]}'
SECRETS = [SERVERS["ARGOIMG_TEST_TOKEN_PASSWORD"], SERVERS["ARGOIMG_TEST_BASIC_PASSWORD"],
           SERVERS["ARGOIMG_TEST_REFRESH_TOKEN"], SERVERS["ARGOIMG_TEST_KUBE_TOKEN"]]


def get_json(url, method="GET"):
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def front_counts(front):
    return get_json(f"http://{front}/_stats")


def reset_front(front):
    get_json(f"http://{front}/_stats/reset", method="POST")


class Base(unittest.TestCase):
    def tempdir(self):
        path = tempfile.mkdtemp(prefix="argoimg-test-")
        self.addCleanup(lambda: __import__("shutil").rmtree(path, ignore_errors=True))
        return path

    def write(self, path, text, mode=0o644):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env["HOME"] = self.tempdir()  # no ~/.docker or ~/.kube of the machine leaks in
        env.update(extra)
        return env

    def assert_no_secrets(self, result):
        for secret in SECRETS:
            self.assertNotIn(secret, result.stdout)
            self.assertNotIn(secret, result.stderr)

    def tls_conf(self, host, **fields):
        lines = [f"registries:\n- name: tls\n  prefix: {host}\n  api_url: https://{host}"]
        lines += [f"  {k}: {v}" for k, v in fields.items()]
        return self.write(os.path.join(self.tempdir(), "registries.conf"), "\n".join(lines) + "\n")


class BasicOverTls(Base):
    def test_basic_auth_over_tls_with_a_test_ca(self):
        conf = self.tls_conf(TLS, ca_file=CA, credentials="env:BOB_CREDS")
        result, doc = check_json("--log-level", "debug", "--registries-conf", conf,
                                 "--image", f"{TLS}/demo/app:~1.2", env=self.env(BOB_CREDS=BOB))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "1.2.9")
        self.assert_no_secrets(result)
        self.assertNotIn("Authorization", result.stderr)

    def test_inline_ca_data(self):
        with open(CA) as f:
            pem = f.read()
        conf_path = os.path.join(self.tempdir(), "registries.conf")
        indented = "\n".join("    " + line for line in pem.strip().splitlines())
        self.write(conf_path, f"registries:\n- name: tls\n  prefix: {TLS}\n  api_url: https://{TLS}\n"
                              f"  credentials: env:BOB_CREDS\n  ca_data: |\n{indented}\n")
        result, doc = check_json("--registries-conf", conf_path, "--image", f"{TLS}/demo/app",
                                 env=self.env(BOB_CREDS=BOB))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "1.3.0")

    def test_missing_wrong_credentials_and_unknown_ca_are_distinct(self):
        conf = self.tls_conf(TLS, ca_file=CA)
        result, doc = check_json("--registries-conf", conf, "--image", f"{TLS}/demo/app", env=self.env())
        self.assertEqual(result.returncode, 1)
        self.assertIn("requires credentials (Basic authentication)", doc["images"][0]["reason"])
        result, doc = check_json("--registries-conf", conf, "--credentials", "env:WRONG", "--image",
                                 f"{TLS}/demo/app", env=self.env(WRONG="bob:not-it"))
        self.assertIn("rejected the credentials", doc["images"][0]["reason"])
        self.assertNotIn("not-it", result.stdout + result.stderr)
        conf = self.tls_conf(TLS, credentials="env:BOB_CREDS")
        result, doc = check_json("--registries-conf", conf, "--retries", "0", "--image", f"{TLS}/demo/app",
                                 env=self.env(BOB_CREDS=BOB))
        self.assertEqual(result.returncode, 1)
        self.assertIn("certificate", doc["images"][0]["reason"].lower())
        conf = self.tls_conf(TLS, credentials="env:BOB_CREDS", insecure="true")
        result, doc = check_json("--registries-conf", conf, "--image", f"{TLS}/demo/app",
                                 env=self.env(BOB_CREDS=BOB))
        self.assertEqual(doc["images"][0]["status"], "resolved", doc["images"][0]["reason"])


class TokenAuth(Base):
    def test_token_over_tls_reuses_one_token(self):
        def tokens():
            counts = get_json(f"{ISSUER}/stats")["by_repository"]
            return counts.get("tokens/a", 0), counts.get("tokens/b", 0)
        before = tokens()
        conf = self.tls_conf(TOKEN_TLS, ca_file=CA)
        result, doc = check_json("--registries-conf", conf, "--image", f"{TOKEN_TLS}/tokens/a:~1.0",
                                 "--image", f"{TOKEN_TLS}/tokens/a", "--image", f"{TOKEN_TLS}/tokens/b",
                                 env=self.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([i["new"] for i in doc["images"]], ["1.0.0", "1.0.0", "1.0.0"])
        # one token per repository scope, however many images use it
        after = tokens()
        self.assertEqual((after[0] - before[0], after[1] - before[1]), (1, 1))

    def test_private_repository_needs_credentials(self):
        result, doc = check_json("--image", f"{TOKEN}/private/app", env=self.env())
        self.assertEqual(result.returncode, 1)
        self.assertIn("insufficient_scope", doc["images"][0]["reason"])
        result, doc = check_json("--credentials", "env:ALICE", "--image", f"{TOKEN}/private/app",
                                 env=self.env(ALICE=ALICE))
        self.assertEqual(doc["images"][0]["new"], "2.1.0", doc["images"][0]["reason"])
        result, doc = check_json("--credentials", "env:ALICE", "--image", f"{TOKEN}/private/app",
                                 env=self.env(ALICE="alice:wrong-password"))
        self.assertIn("rejected the credentials", doc["images"][0]["reason"])
        self.assert_no_secrets(result)


    def test_a_cached_private_answer_is_never_served_to_a_run_without_its_credentials(self):
        # Within --cache-ttl a tag list is served without asking: only under the identity that
        # read it, so a run without access still asks, and is refused.
        cache = self.tempdir()
        flags = ["--cache-dir", cache, "--cache-ttl", "10m", "--update-strategy", "newest-build",
                 "--image", f"{TOKEN}/private/app"]
        result, doc = check_json("--credentials", "env:ALICE", *flags, env=self.env(ALICE=ALICE))
        self.assertEqual(doc["images"][0]["new"], "2.1.0", doc["images"][0]["reason"])
        result, doc = check_json(*flags, env=self.env())
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIsNone(doc["images"][0]["new"])
        self.assertIn("insufficient_scope", doc["images"][0]["reason"])
        result, doc = check_json("--credentials", "env:ALICE", *flags,
                                 env=self.env(ALICE="alice:wrong-password"))
        self.assertIn("rejected the credentials", doc["images"][0]["reason"])
        result, doc = check_json("--credentials", "env:ALICE", *flags, env=self.env(ALICE=ALICE))
        self.assertEqual(doc["images"][0]["new"], "2.1.0")
        self.assertTrue(doc["summary"]["cacheHits"], doc["summary"])  # its own answers, kept
        self.assert_no_secrets(result)
        for base, _, names in os.walk(cache):
            for name in names:
                with open(os.path.join(base, name), "rb") as f:
                    data = f.read()
                self.assertNotIn(SERVERS["ARGOIMG_TEST_TOKEN_PASSWORD"].encode(), data)


class CredentialSources(Base):
    def check_private(self, *args, env):
        result, doc = check_json(*args, "--image", f"{TOKEN}/private/app", env=env)
        self.assertEqual(doc["images"][0]["status"], "resolved", doc["images"][0]["reason"])
        self.assertEqual(doc["images"][0]["new"], "2.1.0")
        self.assert_no_secrets(result)
        return result

    def test_env_reference(self):
        self.check_private("--credentials", "env:ALICE", env=self.env(ALICE=ALICE))

    def test_env_reference_errors(self):
        result, doc = check_json("--credentials", "env:NOPE", "--image", f"{TOKEN}/private/app", env=self.env())
        self.assertIn("environment variable 'NOPE' is not set", doc["images"][0]["reason"])
        result, doc = check_json("--credentials", "env:BAD", "--image", f"{TOKEN}/private/app",
                                 env=self.env(BAD="no-colon"))
        self.assertIn("not in the form 'user:password'", doc["images"][0]["reason"])
        result, doc = check_json("--credentials", "envy:X", "--image", f"{TOKEN}/private/app", env=self.env())
        self.assertIn("credentials are not a reference (env:VAR, ext:/path, pullsecret:ns/name, "
                      "secret:ns/name#field)", doc["images"][0]["reason"])
        self.assertIn("did you mean 'env:'", doc["images"][0]["reason"])
        self.assertNotIn("envy:X", doc["images"][0]["reason"])

    def test_ext_script(self):
        script = self.write(os.path.join(self.tempdir(), "creds.sh"), f"#!/bin/sh\necho '{ALICE}'\n", 0o755)
        self.check_private("--credentials", f"ext:{script}", env=self.env())
        failing = self.write(os.path.join(self.tempdir(), "fail.sh"), "#!/bin/sh\nexit 3\n", 0o755)
        result, doc = check_json("--credentials", f"ext:{failing}", "--image", f"{TOKEN}/private/app",
                                 env=self.env())
        self.assertIn("exited with status 3", doc["images"][0]["reason"])
        result, doc = check_json("--credentials", "ext:relative.sh", "--image", f"{TOKEN}/private/app",
                                 env=self.env())
        self.assertIn("must be absolute", doc["images"][0]["reason"])

    def test_docker_config_auths_and_docker_hub_key_spellings(self):
        config = self.tempdir()
        auth = base64.b64encode(ALICE.encode()).decode()
        self.write(os.path.join(config, "config.json"), json.dumps({"auths": {f"http://{TOKEN}/v2/": {"auth": auth}}}))
        self.check_private("--docker-config", config, env=self.env())
        self.check_private(env=self.env(DOCKER_CONFIG=config))

    def test_docker_config_identity_token(self):
        config = self.tempdir()
        self.write(os.path.join(config, "config.json"), json.dumps(
            {"auths": {TOKEN: {"identitytoken": SERVERS["ARGOIMG_TEST_REFRESH_TOKEN"]}}}))
        self.check_private("--docker-config", config, env=self.env())

    def test_credential_helper_on_path(self):
        bin_dir = self.tempdir()
        log = os.path.join(bin_dir, "asked")
        user, password = ALICE.split(":", 1)
        self.write(os.path.join(bin_dir, "docker-credential-argoimgtest"),
                   f"#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat > {log}\n"
                   f"printf '{{\"ServerURL\":\"x\",\"Username\":\"{user}\",\"Secret\":\"{password}\"}}'\n", 0o755)
        config = self.tempdir()
        self.write(os.path.join(config, "config.json"), json.dumps({"credHelpers": {TOKEN: "argoimgtest"}}))
        env = self.env(PATH=bin_dir + ":" + os.environ["PATH"])
        self.check_private("--docker-config", config, env=env)
        with open(log) as f:
            self.assertEqual(f.read().strip(), TOKEN)
        self.write(os.path.join(config, "config.json"), json.dumps({"credsStore": "argoimgtest"}))
        self.check_private("--docker-config", config, env=env)

    def kubeconfig(self, token):
        return write_kubeconfig(os.path.join(self.tempdir(), "kubeconfig"), token)

    def test_kubernetes_pull_secret_and_secret_field(self):
        kubeconfig = self.kubeconfig(SERVERS["ARGOIMG_TEST_KUBE_TOKEN"])
        self.check_private("--kubeconfig", kubeconfig, "--credentials", "pullsecret:argocd/regcred", env=self.env())
        self.check_private("--credentials", "secret:argocd/plain#creds", env=self.env(KUBECONFIG=kubeconfig))
        conf = self.tls_conf(TLS, ca_file=CA, credentials="pullsecret:argocd/regcred")
        result, doc = check_json("--kubeconfig", kubeconfig, "--registries-conf", conf, "--image",
                                 f"{TLS}/demo/app", env=self.env())
        self.assertEqual(doc["images"][0]["new"], "1.3.0", doc["images"][0]["reason"])

    def test_kubernetes_errors(self):
        kubeconfig = self.kubeconfig("wrong-token")
        result, doc = check_json("--kubeconfig", kubeconfig, "--credentials", "pullsecret:argocd/regcred",
                                 "--image", f"{TOKEN}/private/app", env=self.env())
        self.assertIn("refused (HTTP 401)", doc["images"][0]["reason"])
        kubeconfig = self.kubeconfig(SERVERS["ARGOIMG_TEST_KUBE_TOKEN"])
        result, doc = check_json("--kubeconfig", kubeconfig, "--credentials", "pullsecret:argocd/missing",
                                 "--image", f"{TOKEN}/private/app", env=self.env())
        self.assertIn("secret 'argocd/missing': not found", doc["images"][0]["reason"])
        result, doc = check_json("--kubeconfig", kubeconfig, "--credentials", "secret:argocd/plain#nope",
                                 "--image", f"{TOKEN}/private/app", env=self.env())
        self.assertIn("has no field 'nope'", doc["images"][0]["reason"])


class DockerHubMirror(Base):
    def test_defaultns_replaces_library_for_one_part_names(self):
        # A mirror keeping Docker Hub's one-part names under its own namespace: app is demo/app.
        conf = self.write(os.path.join(self.tempdir(), "registries.conf"), f"""registries:
- name: Hub mirror
  prefix: docker.io
  api_url: http://{ANON}
  defaultns: demo
""")
        result, doc = check_json("--registries-conf", conf, "--image", "app:~1.2",
                                 "--image", "docker.io/app:~1.2", "--image", "index.docker.io/app:~1.2",
                                 "--image", "docker.io/demo/oci:~1", env=self.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([i["new"] for i in doc["images"]], ["1.2.9", "1.2.9", "1.2.9", "v1.1.0"])


class Redirects(Base):
    """Registries send manifest and blob reads to storage on another host (Docker Hub, GHCR,
    ECR); the credentials meant for the registry must stay with it."""

    def test_newest_build_through_redirects_never_sends_credentials_to_the_storage_host(self):
        reset_front(FRONT_REDIRECT)
        get_json(f"{STORAGE}/_stats/reset", method="POST")
        result, doc = check_json("--no-cache", "--credentials", "env:ALICE", "--update-strategy", "newest-build",
                                 "--image", f"{FRONT_REDIRECT}/private/redirected", env=self.env(ALICE=ALICE))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "1.0.5")  # by build date; semver would say 1.1.0
        storage = get_json(f"{STORAGE}/_stats")
        served = storage["paths"]
        # each tag's manifest and config came from the storage host, which saw no Authorization
        self.assertEqual(len([p for p in served if "/manifests/" in p]), 3, served)
        self.assertEqual(len([p for p in served if "/blobs/" in p]), 3, served)
        self.assertEqual(storage["authorization"], 0)
        # while the registry saw the credentials on every one of those reads
        authorized = get_json(f"http://{FRONT_REDIRECT}/_stats/authorization")
        for path in served:
            self.assertGreaterEqual(authorized.get(path, 0), 1, path)
        self.assert_no_secrets(result)


class Pagination(Base):
    def test_five_thousand_tags_with_relative_links(self):
        reset_front(FRONT)
        result, doc = check_json("--image", f"{FRONT}/demo/many", "--image", f"{FRONT}/demo/many:~7.3")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([i["new"] for i in doc["images"]], ["49.99.0", "7.3.0"])
        self.assertEqual(front_counts(FRONT)["/v2/demo/many/tags/list"], 5)  # 5 pages of 1,000, walked once

    def test_absolute_links_and_small_pages(self):
        reset_front(FRONT_ABS)
        result, doc = check_json("--image", f"{FRONT_ABS}/demo/many:<1")
        self.assertEqual(doc["images"][0]["new"], "0.99.0")
        self.assertEqual(front_counts(FRONT_ABS)["/v2/demo/many/tags/list"], 50)

    def test_the_page_bound_warns(self):
        result, doc = check_json("--max-tag-pages", "3", "--image", f"{FRONT_ABS}/demo/many")
        self.assertEqual(result.returncode, 0)
        self.assertIn("stopped after 3 pages (300 tags)", result.stderr)
        self.assertEqual(doc["images"][0]["new"], "10.99.0")  # the best of the first 300 sorted tags


class Faults(Base):
    def test_each_fault_gives_a_result_or_a_clear_error_and_others_resolve(self):
        cases = {
            "429": ("resolved", None),
            "500once": ("resolved", None),
            "hang": ("error", "timed out"),
            "truncated": ("error", "malformed JSON"),
            "badjson": ("error", "malformed JSON"),
            "oversize": ("error", "larger than"),
            "401loop": ("error", "authentication failed"),
        }
        args = ["--timeout", "3", "--retries", "1"]
        for kind in cases:
            args += ["--image", f"{FRONT}/faults/{kind}/x:~1.2"]
        args += ["--image", f"{ANON}/demo/app:~1.2"]
        result, doc = check_json(*args)
        self.assertEqual(result.returncode, 1)
        for image, (kind, (status, reason)) in zip(doc["images"], cases.items()):
            with self.subTest(kind=kind):
                self.assertEqual(image["status"], status, image["reason"])
                if reason:
                    self.assertIn(reason, image["reason"])
                else:
                    self.assertEqual(image["new"], "1.2.9")
        self.assertEqual(doc["images"][-1]["new"], "1.2.9")


class HostileRegistry(Base):
    """What a hostile or broken registry sends never costs unbounded memory or time, never
    leaks a secret, and never reaches the terminal raw (issue 12, items 7, 8 and 10)."""

    def test_a_huge_tag_list_fails_at_the_tag_limit_without_walking_on(self):
        reset_front(FRONT)
        result, doc = check_json("--image", f"{FRONT}/faults/hugelist/x")
        self.assertEqual(doc["images"][0]["status"], "error")
        self.assertIn("more than 100000 tags (page 2), the limit per repository", doc["images"][0]["reason"])
        self.assertEqual(front_counts(FRONT)["/v2/faults/hugelist/x/tags/list"], 2)

    def test_tag_pages_over_the_byte_budget_fail_and_are_not_retried(self):
        reset_front(FRONT)
        result, doc = check_json("--image", f"{FRONT}/faults/bigpage/x", "--image", f"{FRONT}/faults/oversize/x")
        big, oversize = doc["images"]
        self.assertEqual(big["status"], "error")
        self.assertIn("the tag list is larger than 33554432 bytes (page 8)", big["reason"])
        self.assertIn("larger than", oversize["reason"])
        counts = front_counts(FRONT)
        self.assertEqual(counts["/v2/faults/bigpage/x/tags/list"], 8)
        self.assertEqual(counts["/v2/faults/oversize/x/tags/list"], 1)  # refused, not retried

    def test_a_link_back_to_a_page_already_read_is_an_error(self):
        reset_front(FRONT)
        result, doc = check_json("--image", f"{FRONT}/faults/selflink/x")
        self.assertEqual(doc["images"][0]["status"], "error")
        self.assertIn("links back to a page already read", doc["images"][0]["reason"])
        self.assertEqual(front_counts(FRONT)["/v2/faults/selflink/x/tags/list"], 1)

    def test_a_hanging_registry_costs_one_deadline_not_every_retry(self):
        reset_front(FRONT)
        result, doc = check_json("--timeout", "2", "--retries", "3", "--image", f"{FRONT}/faults/hang/x",
                                 "--image", f"{ANON}/demo/app:~1.2")
        hang, other = doc["images"]
        self.assertEqual(hang["status"], "error")
        self.assertIn("gave up after 2 s (the deadline per repository)", hang["reason"])
        self.assertEqual(other["new"], "1.2.9")
        self.assertEqual(front_counts(FRONT)["/v2/faults/hang/x/tags/list"], 1)

    def test_an_error_body_echoing_the_credentials_is_redacted_everywhere(self):
        password = SERVERS["ARGOIMG_TEST_BASIC_PASSWORD"]
        env = self.env(BOB=BOB)
        pair = base64.b64encode(BOB.encode()).decode()
        for output in ("json", "text"):
            with self.subTest(output=output):
                result = argoimg("-o", output, "check", "--credentials", "env:BOB",
                                 "--image", f"{FRONT}/faults/echoauth/x", env=env)
                self.assertEqual(result.returncode, 1)
                self.assertIn("HTTP 403: denied: request had Authorization: Basic <redacted> (<redacted>)",
                              result.stdout + result.stderr)
                for secret in (password, BOB, pair):
                    self.assertNotIn(secret, result.stdout)
                    self.assertNotIn(secret, result.stderr)

    def test_a_password_where_a_reference_belongs_is_never_echoed(self):
        directory = self.tempdir()
        conf = self.write(os.path.join(directory, "registries.conf"),
                          f"registries:\n- name: front\n  prefix: {FRONT}\n  api_url: http://{FRONT}\n"
                          f"  credentials: {BOB}\n")
        for output in ("json", "text"):
            result = argoimg("-o", output, "check", "--registries-conf", conf, "--image", f"{FRONT}/demo/app")
            self.assertEqual(result.returncode, 1)
            self.assertIn(f"credentials in '{conf}:5:16' are not a reference (env:VAR, ext:/path, "
                          "pullsecret:ns/name, secret:ns/name#field)", result.stdout + result.stderr)
            self.assertNotIn(SERVERS["ARGOIMG_TEST_BASIC_PASSWORD"], result.stdout + result.stderr)
        result = argoimg("check", "--credentials", BOB, "--image", f"{FRONT}/demo/app")
        self.assertIn("credentials are not a reference", result.stdout + result.stderr)
        self.assertNotIn(SERVERS["ARGOIMG_TEST_BASIC_PASSWORD"], result.stdout + result.stderr)

    def test_tags_outside_the_grammar_are_ignored_counted_and_never_printed_raw(self):
        result = argoimg("check", "--explain", "--update-strategy", "alphabetical",
                         "--image", f"{FRONT}/faults/badtags/x")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("\x1b", result.stdout + result.stderr)
        self.assertNotIn("{{.Evil}}", result.stdout)
        self.assertIn("1.2.0", result.stdout)
        self.assertIn("ignored 6 invalid tags from the registry", result.stdout)
        result, doc = check_json("--explain", "--update-strategy", "alphabetical",
                                 "--image", f"{FRONT}/faults/badtags/x")
        image = doc["images"][0]
        self.assertEqual(image["new"], "1.2.0")
        self.assertEqual(image["invalidTags"], 6)
        self.assertEqual(sorted(c["tag"] for c in image["explain"]), ["1.0.0", "1.2.0"])

    def test_control_characters_from_a_registry_never_reach_the_terminal(self):
        result = argoimg("check", "--image", f"{FRONT}/faults/escbody/x")
        self.assertEqual(result.returncode, 1)
        for stream in (result.stdout, result.stderr):
            self.assertNotIn("\x1b", stream)
            self.assertNotIn("\x07", stream)
            self.assertIn("HTTP 404: \\x1b[2J\\x1b]0;pwned\\x07gone\\nargoimg: error: forged line", stream)
        self.assertEqual(len(result.stderr.splitlines()), 1)  # no forged second line
        result, doc = check_json("--image", f"{FRONT}/faults/escbody/x")
        self.assertIn("\x1b[2J", doc["images"][0]["reason"])  # JSON escapes it, the value is intact
        self.assertIn("\\u001b[2j", result.stdout.lower())


class Dedup(Base):
    def test_fifty_images_over_five_repositories_walk_five_tag_lists(self):
        reset_front(FRONT)
        repos = ["demo/app", "demo/oci", "demo/multi", "demo/calver", "demo/tie"]
        args = []
        for i in range(50):
            args += ["--image", f"app{i}={FRONT}/{repos[i % 5]}"]
        result, doc = check_json(*args)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(doc["images"]), 50)
        counts = front_counts(FRONT)
        walks = {path: n for path, n in counts.items()
                 if path.endswith("/tags/list") and any(path == f"/v2/{r}/tags/list" for r in repos)}
        self.assertEqual(walks, {f"/v2/{repo}/tags/list": 1 for repo in repos})
        self.assertEqual(doc["summary"]["requests"], {FRONT: 6})  # one ping + five walks

    def test_newest_build_fetches_each_manifest_and_config_once(self):
        reset_front(FRONT)
        result, doc = check_json("--no-cache", "--update-strategy", "newest-build", "--image", f"{FRONT}/demo/app",
                                 "--image", f"{FRONT}/demo/app:1.2.3")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["images"][0]["new"], "latest")
        counts = front_counts(FRONT)
        manifests = sum(n for p, n in counts.items() if "/manifests/" in p)
        blobs = sum(n for p, n in counts.items() if "/blobs/" in p)
        self.assertEqual(manifests, 13)  # one per tag, for both images together
        self.assertEqual(blobs, 13)      # one per unique config


class PersistentCache(Base):
    """Issue 17: manifests and blobs read by digest never change, and newest-build takes a tag's
    manifest as immutable; a second run reads them from --cache-dir instead of the registry, and
    a damaged entry is refetched, never served."""

    def by_digest(self):
        counts = front_counts(FRONT)
        return sum(n for p, n in counts.items() if "/manifests/" in p or "/blobs/" in p)

    def newest_build(self, *flags):
        reset_front(FRONT)
        result, doc = check_json(*flags, "--update-strategy", "newest-build", "--image", f"{FRONT}/demo/app",
                                 env=self.env())
        self.assertEqual(result.returncode, 0, result.stderr)
        return [(i["image"], i["new"]) for i in doc["images"]], self.by_digest(), result

    def test_second_run_reads_content_by_digest_from_the_cache(self):
        cache = os.path.join(self.tempdir(), "http")
        cold, cold_requests, _ = self.newest_build("--cache-dir", cache)
        self.assertEqual(cold[0][1], "latest")
        self.assertGreater(cold_requests, 0)
        entries = [n for n in os.listdir(cache) if len(n) == 64 and self.content_entry(cache, n)]
        self.assertEqual(len(entries), cold_requests)
        warm, warm_requests, _ = self.newest_build("--cache-dir", cache)
        self.assertEqual((warm, warm_requests), (cold, 0))
        uncached, uncached_requests, _ = self.newest_build("--no-cache", "--cache-dir", cache)
        self.assertEqual((uncached, uncached_requests), (cold, cold_requests))
        # a truncated entry is refetched (and rewritten whole), never served
        victim = os.path.join(cache, entries[0])
        size = os.path.getsize(victim)
        os.truncate(victim, size // 2)
        repaired, repaired_requests, _ = self.newest_build("--cache-dir", cache)
        self.assertEqual((repaired, repaired_requests), (cold, 1))
        self.assertEqual(os.path.getsize(victim), size)
        for name in os.listdir(cache):
            with open(os.path.join(cache, name), "rb") as f:
                self.assertNotIn(b"Authorization", f.read())

    @staticmethod
    def content_entry(cache, name):
        with open(os.path.join(cache, name), "rb") as f:
            return f.read(19) == b"argoimg-http-cache "

    def test_default_directory_and_an_unusable_one(self):
        xdg = self.tempdir()
        reset_front(FRONT)
        result, _ = check_json("--update-strategy", "newest-build", "--image", f"{FRONT}/demo/app",
                               env=self.env(XDG_CACHE_HOME=xdg))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(os.listdir(os.path.join(xdg, "argoimg", "http")))
        blocker = self.write(os.path.join(self.tempdir(), "file"), "x")
        images, requests, result = self.newest_build("--cache-dir", os.path.join(blocker, "http"))
        self.assertEqual(images[0][1], "latest")
        self.assertGreater(requests, 0)
        self.assertEqual(result.stderr.count("argoimg: warning: --cache-dir"), 1, result.stderr)
        self.assertIn("running without the cache", result.stderr)

    def test_cache_max_size_is_checked(self):
        result = argoimg("--cache-max-size", "lots", "check", "--image", f"{FRONT}/demo/app", env=self.env())
        self.assertEqual(result.returncode, 2)
        self.assertIn("argoimg: error: --cache-max-size:", result.stderr)


if __name__ == "__main__":
    unittest.main()
