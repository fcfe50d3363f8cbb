"""End-to-end tests of `--shard I/N` against the REAL registry: the shards of a run partition
its applications by the git repository they write to, and together they are the whole run."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from support import registries_conf

REPOS = 12
APPS = 48


def run(*args, cwd):
    return subprocess.run([os.environ["ARGOIMG_BIN"], *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def application(name, repo_url, write_repo=None, method="git"):
    annotations = [
        f"argocd-image-updater.argoproj.io/image-list: app=registry.demo.local/demo/app:~1.2",
        f"argocd-image-updater.argoproj.io/write-back-method: {method}",
    ]
    if write_repo:
        annotations.append(f"argocd-image-updater.argoproj.io/git-repository: {write_repo}")
    return ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
            f"  name: {name}\n  namespace: argocd\n  annotations:\n"
            + "".join(f"    {a}\n" for a in annotations)
            + "spec:\n  project: default\n  source:\n"
            f"    repoURL: {repo_url}\n    path: apps/{name}\n    targetRevision: main\n"
            "    kustomize:\n      images:\n      - registry.demo.local/demo/app:1.2.3\n"
            "  destination:\n    server: https://kubernetes.default.svc\n    namespace: demo\n")


class Shard(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-shard-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        registries_conf(self.dir)
        os.mkdir(os.path.join(self.dir, "apps"))
        self.writes_to = {}  # application -> the repository it writes to (its URL)
        roots = []
        for r in range(REPOS):
            os.makedirs(os.path.join(self.dir, f"repo{r}"))
            roots += ["--repo-root", f"https://git.example/org/repo{r}.git=repo{r}"]
        for i in range(APPS):
            name = f"app{i:02d}"
            source = f"https://git.example/org/repo{(i * 7) % REPOS}.git"
            write = None
            if i % 5 == 0:  # writes to another repository than its source
                write = f"https://git.example/org/repo{(i * 3 + 1) % REPOS}.git"
            method = "argocd" if i % 11 == 3 else "git"
            with open(os.path.join(self.dir, "apps", f"{name}.yaml"), "w") as f:
                f.write(application(name, source, write, method))
            self.writes_to[name] = write or source
        self.args = ["apps", "--registries-conf", "registries.conf", *roots]

    def report(self, *extra, command="update"):
        result = run("-o", "json", command, "--dry-run", *self.args, *extra, cwd=self.dir)
        self.assertIn(result.returncode, (0, 1), result.stderr)
        return json.loads(result.stdout), result

    def test_the_shards_partition_the_run_by_repository(self):
        whole, _ = self.report()
        by_name = {a["name"]: a for a in whole["applications"]}
        self.assertEqual(len(by_name), APPS)
        self.assertEqual(sum(1 for a in by_name.values() if a["status"] == "update"), APPS)
        whole_files = sorted(f["file"] for f in whole["files"])
        for count in (1, 2, 3, 5):
            seen = {}
            files = []
            repositories = {}
            for index in range(count):
                doc, _ = self.report("--shard", f"{index}/{count}")
                self.assertEqual(doc["summary"]["shard"], {"index": index, "count": count})
                for app in doc["applications"]:
                    self.assertNotIn(app["name"], seen, f"{app['name']} in two shards of {count}")
                    seen[app["name"]] = index
                    self.assertEqual(app, by_name[app["name"]])
                    repository = self.writes_to[app["name"]]
                    self.assertEqual(repositories.setdefault(repository, index), index,
                                     f"{repository} written by shards {repositories[repository]} "
                                     f"and {index} of {count}")
                files += [f["file"] for f in doc["files"]]
            self.assertEqual(sorted(seen), sorted(by_name), f"union of {count} shards")
            self.assertEqual(sorted(files), whole_files, f"files of {count} shards")
            if count > 1:
                self.assertGreater(len(set(seen.values())), 1, f"{count} shards: all in one")

    def test_a_repository_keeps_its_shard_whatever_else_is_in_the_run(self):
        doc, _ = self.report("--shard", "1/3")
        names = {a["name"] for a in doc["applications"]}
        os.remove(os.path.join(self.dir, "apps", "app01.yaml"))
        os.remove(os.path.join(self.dir, "apps", "app02.yaml"))
        again, _ = self.report("--shard", "1/3")
        self.assertEqual({a["name"] for a in again["applications"]}, names - {"app01", "app02"})

    def test_a_bad_file_is_reported_by_one_shard(self):
        with open(os.path.join(self.dir, "apps", "broken.yaml"), "w") as f:
            f.write("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: [\n")
        reported = []
        for index in range(3):
            doc, result = self.report("--shard", f"{index}/3")
            if doc["fileErrors"]:
                reported.append(index)
                self.assertIn("broken.yaml", doc["fileErrors"][0])
                self.assertEqual(result.returncode, 1)
        self.assertEqual(len(reported), 1)

    def test_text_summary_names_the_shard(self):
        result = run("check", *self.args, "--shard", "2/4", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.splitlines()[-1].startswith("shard 2/4: "), result.stdout)

    def test_bad_values_are_refused_before_anything_runs(self):
        for value, detail in [
            ("4/4", "the index must be below the count: 0 to 3"),
            ("1/0", "the count must be from 1 to 100000"),
            ("1", "expected I/N"),
            ("-1/3", "expected I/N with decimal numbers"),
            ("1/3x", "expected I/N with decimal numbers"),
            (" 1/3", "expected I/N with decimal numbers"),
        ]:
            result = run("check", *self.args, "--shard", value, cwd=self.dir)
            self.assertEqual(result.returncode, 2, (value, result.stderr))
            self.assertIn(f"argoimg: error: --shard '{value}': {detail}", result.stderr)
            self.assertEqual(result.stdout, "")
        result = run("check", "--image", "registry.demo.local/demo/app", "--registries-conf",
                     "registries.conf", "--shard", "0/2", cwd=self.dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--image requests are not sharded", result.stderr)


if __name__ == "__main__":
    unittest.main()
