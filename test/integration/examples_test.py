"""The CI and Kubernetes recipes (examples/ci, examples/kubernetes, action.yml), checked without
a cluster or a CI service: every file parses; each Kubernetes object has the fields its kind
requires, its references resolve and its RBAC stays inside an allow-list; the CI files have
their schedules, jobs and inputs. Their argoimg command lines and the action's script:
examples_commands_test.py.

Run through ctest (it sets ARGOIMG_BIN); no servers needed.
"""
import json
import os
import re
import unittest

from examples_support import ACTION, CI_DIR, KUBE_DIR, ROOT, Objects, flag_value, load, yaml_files

KINDS = {
    ("v1", "ServiceAccount"), ("v1", "ConfigMap"), ("batch/v1", "CronJob"), ("batch/v1", "Job"),
    ("rbac.authorization.k8s.io/v1", "Role"), ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
}
# What argoimg needs from the Kubernetes API: one GET per named pull secret. Applications come
# from the Argo CD API, with Argo CD's token and Argo CD's RBAC.
ALLOWED_RULES = [{"apiGroups": {""}, "resources": {"secrets"}, "verbs": {"get"}, "resourceNames": True}]
NAMESPACE = "argocd"
INDEX_FIELD = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$")


def quantity(text):
    number, unit = QUANTITY.match(str(text)).groups()
    scale = {None: 1, "m": 0.001, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    return float(number) * scale[unit]


class KubernetesSchema(unittest.TestCase):
    def setUp(self):
        self.objects = Objects()
        self.assertTrue(self.objects.items, "no objects under examples/kubernetes")

    def where(self, path, doc):
        return f"{os.path.relpath(path, ROOT)}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"

    def test_every_object_has_a_known_kind_and_a_name(self):
        for path, doc in self.objects.items:
            with self.subTest(self.where(path, doc)):
                self.assertIsInstance(doc, dict)
                self.assertIn((doc.get("apiVersion"), doc.get("kind")), KINDS)
                name = doc["metadata"]["name"]
                self.assertRegex(name, DNS_LABEL)
                # A CronJob's Jobs add 11 characters to its name.
                self.assertLessEqual(len(name), 52 if doc["kind"] == "CronJob" else 63)
                if doc["kind"] != "ClusterRole":
                    self.assertEqual(doc["metadata"].get("namespace"), NAMESPACE)

    def jobs(self):
        """(where, Job spec, the CronJob or None) for every Job and CronJob."""
        for path, doc in self.objects.items:
            if doc["kind"] == "CronJob":
                yield self.where(path, doc), doc["spec"]["jobTemplate"]["spec"], doc
            elif doc["kind"] == "Job":
                yield self.where(path, doc), doc["spec"], None

    def test_cronjobs(self):
        cronjobs = [(p, d) for p, d in self.objects.items if d["kind"] == "CronJob"]
        self.assertGreaterEqual(len(cronjobs), 2)
        for path, doc in cronjobs:
            with self.subTest(self.where(path, doc)):
                spec = doc["spec"]
                fields = str(spec["schedule"]).split()
                self.assertEqual(len(fields), 5, spec["schedule"])
                for field in fields:
                    self.assertRegex(field, r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
                self.assertEqual(spec["concurrencyPolicy"], "Forbid")
                for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
                    self.assertIsInstance(spec[key], int)
                self.assertIn("template", spec["jobTemplate"]["spec"])

    def test_pods(self):
        for where, job, _ in self.jobs():
            with self.subTest(where):
                pod = job["template"]["spec"]
                self.assertIn(pod["restartPolicy"], ("OnFailure", "Never"))
                accounts = self.objects.named("ServiceAccount", pod["serviceAccountName"], NAMESPACE)
                self.assertEqual(len(accounts), 1, f"ServiceAccount {pod['serviceAccountName']!r}")
                self.assertIs(pod["securityContext"]["runAsNonRoot"], True)
                self.assertGreater(pod["securityContext"]["runAsUser"], 0)
                volumes = {v["name"] for v in pod.get("volumes", [])}
                self.assertTrue(pod["containers"])
                for container in pod["containers"]:
                    self.assertRegex(container["name"], DNS_LABEL)
                    self.assertTrue(container["image"])
                    security = container["securityContext"]
                    self.assertIs(security["readOnlyRootFilesystem"], True)
                    self.assertIs(security["allowPrivilegeEscalation"], False)
                    self.assertEqual(security["capabilities"]["drop"], ["ALL"])
                    for mount in container.get("volumeMounts", []):
                        self.assertIn(mount["name"], volumes)
                    resources = container["resources"]
                    for key in ("cpu", "memory"):
                        self.assertLessEqual(quantity(resources["requests"][key]),
                                             quantity(resources["limits"][key]), key)
                    # Kubernetes expands $(VAR) in args only for variables the container declares.
                    declared = {e["name"] for e in container.get("env", [])}
                    for arg in container.get("args", []):
                        for name in re.findall(r"\$\((\w+)\)", str(arg)):
                            self.assertIn(name, declared, f"$({name}) in args")
                    # The root filesystem is read-only: HOME must be on a volume.
                    home = [e["value"] for e in container.get("env", []) if e["name"] == "HOME"]
                    self.assertEqual(len(home), 1)
                    self.assertTrue(any(home[0].startswith(m["mountPath"])
                                        for m in container.get("volumeMounts", [])), home[0])

    def test_indexed_jobs_shard_by_completion_index(self):
        indexed = 0
        for where, job, _ in self.jobs():
            for container in job["template"]["spec"]["containers"]:
                args = [str(a) for a in container.get("args", [])]
                shard = flag_value(args, "--shard")
                with self.subTest(where):
                    if job.get("completionMode") != "Indexed":
                        self.assertIsNone(shard, "--shard outside an Indexed Job")
                        continue
                    indexed += 1
                    completions = job["completions"]
                    self.assertIsInstance(completions, int)
                    self.assertGreaterEqual(completions, 1)
                    self.assertIsInstance(job["parallelism"], int)
                    self.assertLessEqual(job["parallelism"], completions)
                    self.assertEqual(shard, f"$(JOB_COMPLETION_INDEX)/{completions}")
                    index = [e for e in container["env"] if e["name"] == "JOB_COMPLETION_INDEX"]
                    self.assertEqual(len(index), 1)
                    self.assertEqual(index[0]["valueFrom"]["fieldRef"]["fieldPath"], INDEX_FIELD)
        self.assertGreaterEqual(indexed, 1, "no Indexed Job")

    def test_rbac_grants_nothing_beyond_the_allow_list(self):
        for path, doc in self.objects.items:
            if doc["kind"] not in ("Role", "ClusterRole"):
                continue
            for rule in doc["rules"]:
                with self.subTest(self.where(path, doc), rule=rule):
                    for key in ("apiGroups", "resources", "verbs"):
                        self.assertIsInstance(rule[key], list)
                        self.assertTrue(rule[key])
                        self.assertNotIn("*", rule[key])
                    self.assertNotIn("nonResourceURLs", rule)
                    self.assertTrue(any(
                        set(rule["apiGroups"]) <= allowed["apiGroups"]
                        and set(rule["resources"]) <= allowed["resources"]
                        and set(rule["verbs"]) <= allowed["verbs"]
                        and (not allowed["resourceNames"] or rule.get("resourceNames"))
                        for allowed in ALLOWED_RULES), "outside the allow-list")

    def test_bindings_resolve(self):
        for path, doc in self.objects.items:
            self.assertNotEqual(doc["kind"], "ClusterRoleBinding", "grants in every namespace")
            if doc["kind"] != "RoleBinding":
                continue
            with self.subTest(self.where(path, doc)):
                ref = doc["roleRef"]
                self.assertEqual(ref["apiGroup"], "rbac.authorization.k8s.io")
                self.assertEqual(ref["kind"], "Role")
                self.assertEqual(len(self.objects.named("Role", ref["name"], doc["metadata"]["namespace"])), 1)
                self.assertTrue(doc["subjects"])
                for subject in doc["subjects"]:
                    self.assertEqual(subject["kind"], "ServiceAccount")
                    self.assertEqual(len(self.objects.named("ServiceAccount", subject["name"],
                                                            subject["namespace"])), 1, subject)


def workflow_on(doc):
    return doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` key as true


class CiSchema(unittest.TestCase):
    def test_every_file_parses(self):
        files = yaml_files(CI_DIR) + yaml_files(KUBE_DIR) + [ACTION]
        self.assertGreaterEqual(len(files), 7)
        for path in files:
            with self.subTest(os.path.relpath(path, ROOT)):
                self.assertTrue(load(path))

    def workflows(self):
        return [(p, load(p)[0]) for p in yaml_files(os.path.join(CI_DIR, "github"))]

    def test_github_workflow(self):
        self.assertTrue(self.workflows())
        for path, doc in self.workflows():
            with self.subTest(os.path.relpath(path, ROOT)):
                on = workflow_on(doc)
                self.assertTrue(on["schedule"])
                for entry in on["schedule"]:
                    self.assertEqual(len(entry["cron"].split()), 5)
                self.assertIn("workflow_dispatch", on)
                self.assertEqual(doc["permissions"], {})
                self.assertTrue(doc["jobs"])
                for name, job in doc["jobs"].items():
                    self.assertIn("runs-on", job, name)
                    self.assertIn("permissions", job, name)
                    self.assertTrue(job["steps"], name)
                    for step in job["steps"]:
                        self.assertTrue(("uses" in step) != ("run" in step), step)
                        # Secrets reach scripts through env only, never pasted into them.
                        self.assertNotIn("secrets.", step.get("run", ""))
                        for value in step.get("with", {}).values():
                            self.assertNotIn("secrets.", str(value))

    def gitlab_jobs(self):
        jobs = []
        for path in yaml_files(os.path.join(CI_DIR, "gitlab")):
            doc = load(path)[0]
            for name, job in doc.items():
                if name.startswith(".") or not isinstance(job, dict) or "script" not in job:
                    continue
                merged = dict(doc[job["extends"]]) if "extends" in job else {}
                merged.update(job)
                jobs.append((f"{os.path.relpath(path, ROOT)}: {name}", merged))
        return jobs

    def test_gitlab_pipeline_runs_on_schedule(self):
        self.assertTrue(self.gitlab_jobs())
        for where, job in self.gitlab_jobs():
            with self.subTest(where):
                self.assertTrue(job["image"])
                self.assertTrue(job["script"])
                self.assertIn('$CI_PIPELINE_SOURCE == "schedule"', [r.get("if") for r in job["rules"]])

    def test_action(self):
        doc = load(ACTION)[0]
        self.assertTrue(doc["name"])
        self.assertTrue(doc["description"])
        self.assertEqual(doc["runs"]["using"], "composite")
        for name in ("command", "paths", "args", "version", "ok-exit-codes"):
            self.assertIn("description", doc["inputs"][name])
        for name in ("exit-code", "report"):
            self.assertIn("value", doc["outputs"][name])
        for step in doc["runs"]["steps"]:
            self.assertIn("shell", step)
            # Inputs reach the script through env, so no input value can become shell code.
            self.assertNotIn("${{", step["run"])
            for ref in re.findall(r"inputs\.([\w-]+)", json.dumps(step)):
                self.assertIn(ref, doc["inputs"])


if __name__ == "__main__":
    unittest.main()
