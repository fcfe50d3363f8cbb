"""Issue 17: the persistent cache's tag lists and newest-build metadata (docs/cache.md#tags).

Each test starts its own front (servers/front.py) before the anonymous registry and counts the
requests it sees: tag pages revalidated with If-None-Match (--etags) and answered 304, trusted for
--cache-ttl, asked again in full without an ETag, a damaged entry refetched, concurrent runs on
one --cache-dir, newest-build's manifests and configs read from the cache when nothing changed,
and a refused page size remembered across runs.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from cli_pages_test import TAGS, Front
from support import argoimg, check_json


class Base(unittest.TestCase):
    def front(self, *options):
        front = Front(*options)
        self.addCleanup(front.stop)
        return front

    def cache_dir(self):
        path = tempfile.mkdtemp(prefix="argoimg-cache-test-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def run_check(self, front, cache, *flags):
        result, doc = check_json("--cache-dir", cache, *flags)
        self.assertEqual(result.returncode, 0, result.stderr)
        return doc, result

    def tag_list_entries(self, cache):
        found = []
        for name in os.listdir(cache):
            with open(os.path.join(cache, name), "rb") as f:
                if f.read(19) == b"argoimg-tags-cache ":
                    found.append(os.path.join(cache, name))
        return found


class TagLists(Base):
    def test_pages_with_an_etag_are_revalidated_and_trusted_for_the_ttl(self):
        front = self.front("--default-page", "100", "--max-page", "100", "--etags")
        cache = self.cache_dir()
        image = ["--image", f"{front.address}/demo/many:~7.3"]
        cold, _ = self.run_check(front, cache, *image)
        self.assertEqual(cold["images"][0]["new"], "7.3.0")
        self.assertEqual(len(front.tag_pages()), 50)
        self.assertEqual(len(self.tag_list_entries(cache)), 50)

        get_reset(front)
        warm, result = self.run_check(front, cache, "--log-level", "debug", *image)
        self.assertEqual(warm["images"], cold["images"])
        self.assertEqual(len(front.tag_pages()), 50)  # each page asked, answered 304
        self.assertEqual(result.stderr.count("not modified (ETag)"), 50, result.stderr[-2000:])
        self.assertEqual(warm["summary"]["requests"], {front.address: 51})  # the ping and 50 pages

        get_reset(front)
        trusted, _ = self.run_check(front, cache, "--cache-ttl", "10m", *image)
        self.assertEqual(trusted["images"], cold["images"])
        self.assertEqual(front.tag_pages(), [])
        self.assertEqual(trusted["summary"]["requests"], {front.address: 1})  # the ping
        self.assertEqual(trusted["summary"]["cacheHits"], {front.address: 50})

    def test_a_list_kept_whole_is_revalidated_at_once(self):
        # 50 pages held 80 ms each at the front: asked together, several are held at one time;
        # one after another, never more than one. The same 50 conditional requests, each a 304.
        from cli_pages_test import get_json
        front = self.front("--default-page", "100", "--max-page", "100", "--etags",
                           "--page-delay-ms", "80")
        cache = self.cache_dir()
        image = ["--image", f"{front.address}/demo/many:~7.3"]
        cold, _ = self.run_check(front, cache, *image)
        overlap = f"http://{front.address}/_stats/overlap"
        self.assertEqual(get_json(overlap)["mostPagesHeld"], 1)  # a cold walk follows Links
        get_reset(front)
        warm, result = self.run_check(front, cache, "--log-level", "debug", *image)
        self.assertEqual(warm["images"], cold["images"])
        self.assertEqual(len(front.tag_pages()), 50)
        self.assertEqual(result.stderr.count("not modified (ETag)"), 50, result.stderr[-2000:])
        self.assertIn("50 kept pages revalidated at once", result.stderr)
        self.assertEqual(warm["summary"]["requests"], {front.address: 51})
        self.assertGreater(get_json(overlap)["mostPagesHeld"], 1, "the 50 pages were not asked at once")
        # --concurrency 1: one page after another again, the same requests
        get_reset(front)
        serial, _ = self.run_check(front, cache, "--concurrency", "1", *image)
        self.assertEqual(serial["images"], cold["images"])
        self.assertEqual(len(front.tag_pages()), 50)
        self.assertEqual(get_json(overlap)["mostPagesHeld"], 1)

    def test_a_list_kept_for_an_insecure_registry_is_revalidated_at_once_too(self):
        # Its pages are keyed with the registry's trust; the kept chain must be looked up so.
        front = self.front("--default-page", "100", "--max-page", "100", "--etags")
        cache = self.cache_dir()
        conf = os.path.join(cache, "registries.conf")
        with open(conf, "w") as f:
            f.write(f"registries:\n- name: front\n  prefix: {front.address}\n"
                    f"  api_url: http://{front.address}\n  insecure: yes\n")
        image = ["--registries-conf", conf, "--image", f"{front.address}/demo/many:~7.3"]
        cold, _ = self.run_check(front, cache, *image)
        warm, result = self.run_check(front, cache, "--log-level", "debug", *image)
        self.assertEqual(warm["images"], cold["images"])
        self.assertIn("50 kept pages revalidated at once", result.stderr)

    def test_an_entry_moved_to_another_pages_name_is_a_miss(self):
        front = self.front("--default-page", "100", "--max-page", "1000", "--etags")
        cache = self.cache_dir()
        image = ["--image", f"{front.address}/demo/many:~7.3"]
        cold, _ = self.run_check(front, cache, *image)
        entries = sorted(self.tag_list_entries(cache))
        self.assertEqual(len(entries), 5)
        with open(entries[0], "rb") as f:
            moved = f.read()
        with open(entries[1], "wb") as f:  # page A's entry now also stands under page B's name
            f.write(moved)
        get_reset(front)
        warm, _ = self.run_check(front, cache, "--cache-ttl", "1h", *image)
        self.assertEqual(warm["images"], cold["images"])
        self.assertEqual(len(front.tag_pages()), 1)  # the moved one, asked again in full
        self.assertEqual(warm["summary"]["cacheHits"], {front.address: 4})

    def test_the_text_summary_counts_what_the_cache_answered(self):
        front = self.front("--default-page", "100", "--max-page", "100", "--etags")
        cache = self.cache_dir()
        image = ["--image", f"{front.address}/demo/many:~7.3"]
        self.run_check(front, cache, *image)
        result = argoimg("check", "--cache-dir", cache, "--cache-ttl", "10m", *image)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"; requests: 1 to {front.address} (50 from the cache)\n", result.stdout)
        uncached = argoimg("check", "--no-cache", *image)
        self.assertIn(f"; requests: 51 to {front.address}\n", uncached.stdout)

    def test_pages_without_an_etag_are_asked_again_in_full(self):
        front = self.front("--default-page", "100", "--max-page", "1000")
        cache = self.cache_dir()
        image = ["--image", f"{front.address}/demo/many"]
        cold, _ = self.run_check(front, cache, *image)
        get_reset(front)
        warm, _ = self.run_check(front, cache, *image)
        self.assertEqual(warm["images"], cold["images"])
        self.assertEqual(len(front.tag_pages()), 5)
        self.assertNotIn("cacheHits", {k: v for k, v in warm["summary"].items() if v})

    def test_a_damaged_tag_list_entry_is_refetched_never_served(self):
        front = self.front("--default-page", "100", "--max-page", "1000", "--etags")
        cache = self.cache_dir()
        image = ["--image", f"{front.address}/demo/many:~7.3"]
        cold, _ = self.run_check(front, cache, *image)
        entries = self.tag_list_entries(cache)
        self.assertEqual(len(entries), 5)
        sizes = {path: os.path.getsize(path) for path in entries}
        os.truncate(entries[0], sizes[entries[0]] // 2)
        with open(entries[1], "r+b") as f:  # one byte of a tag changed: its checksum no longer holds
            data = f.read()
            at = data.rindex(b"7.")
            f.seek(at)
            f.write(b"8")
        with open(entries[2], "wb") as f:
            f.write(b"argoimg-tags-cache 99\nsomething else\n")
        get_reset(front)
        warm, _ = self.run_check(front, cache, "--cache-ttl", "1h", *image)
        self.assertEqual(warm["images"], cold["images"])
        self.assertEqual(len(front.tag_pages()), 3)  # the three bad pages, asked without If-None-Match
        for path in entries:
            self.assertEqual(os.path.getsize(path), sizes[path])
        for path in entries + [os.path.join(cache, n) for n in os.listdir(cache)]:
            with open(path, "rb") as f:
                self.assertNotIn(b"uthorization", f.read())

    def test_concurrent_runs_share_one_cache(self):
        front = self.front("--default-page", "100", "--max-page", "100", "--etags")
        cache = self.cache_dir()
        argv = [os.environ["ARGOIMG_BIN"], "-o", "json", "--cache-dir", cache, "check", "--update-strategy",
                "newest-build", "--image", f"{front.address}/demo/app", "--image",
                f"{front.address}/demo/many:~7.3"]
        runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(4)]
        outputs = [run.communicate(timeout=120) for run in runs]
        for run, (out, err) in zip(runs, outputs):
            self.assertEqual(run.returncode, 0, err)
        images = [json.loads(out)["images"] for out, _ in outputs]
        self.assertEqual(images[0][0]["new"], "latest")
        uncached = subprocess.run(argv + ["--no-cache"], capture_output=True, text=True, timeout=120)
        self.assertEqual(uncached.returncode, 0, uncached.stderr)
        for other in images:
            self.assertEqual(other, json.loads(uncached.stdout)["images"])
        self.assertFalse([n for n in os.listdir(cache) if n.startswith(".tmp-")])
        warm, _ = self.run_check(front, cache, "--cache-ttl", "10m", "--update-strategy", "newest-build",
                                 "--image", f"{front.address}/demo/app", "--image", f"{front.address}/demo/many:~7.3")
        self.assertEqual(warm["images"], images[0])

    def test_cache_ttl_is_checked(self):
        result = argoimg("--cache-ttl", "soon", "check", "--image", "127.0.0.1:1/demo/app")
        self.assertEqual(result.returncode, 2)
        self.assertIn("argoimg: error: --cache-ttl: 'soon' is not a duration", result.stderr)
        for accepted in ("1d", "1d12h", "90m", "0"):  # days too, as --min-age reads them
            result = argoimg("--no-cache", "--cache-ttl", accepted, "check", "--image",
                             "127.0.0.1:1/demo/app")
            self.assertNotIn("--cache-ttl", result.stderr)
            self.assertEqual(result.returncode, 1, result.stderr)  # the registry is not there


class NewestBuild(Base):
    def test_a_warm_run_reads_no_manifest_or_config(self):
        front = self.front("--etags")
        cache = self.cache_dir()
        flags = ["--update-strategy", "newest-build", "--image", f"{front.address}/demo/app"]
        cold, _ = self.run_check(front, cache, *flags)
        cold_counts = content_requests(front)
        self.assertGreater(cold_counts, 0)
        get_reset(front)
        warm, _ = self.run_check(front, cache, *flags)
        self.assertEqual(warm["images"], cold["images"])
        self.assertEqual(content_requests(front), 0)
        self.assertEqual(warm["summary"]["cacheHits"][front.address], cold_counts)
        self.assertEqual(warm["summary"]["requests"], {front.address: 2})  # the ping, one tag page (304)
        # digest: the tag is asked every run (HEAD), its content read by digest from the cache
        get_reset(front)
        digest, _ = self.run_check(front, cache, "--update-strategy", "digest", "--image",
                                   f"{front.address}/demo/app:latest")
        heads = [e for e in front.log() if "/manifests/latest" in e]
        self.assertEqual(len(heads), 1)
        self.assertEqual(digest["images"][0]["status"], "resolved")
        # --no-cache asks for everything again
        get_reset(front)
        self.run_check(front, cache, "--no-cache", *flags)
        self.assertEqual(content_requests(front), cold_counts)


class PageSizeMemory(Base):
    def test_a_refused_page_size_is_remembered_by_later_runs(self):
        front = self.front("--default-page", "100", "--max-page", "1000", "--reject-larger")
        cache = self.cache_dir()
        image = ["--image", f"{front.address}/demo/many"]
        self.run_check(front, cache, *image)
        self.assertEqual(front.tag_pages()[:2], [f"{TAGS}?n=10000", f"{TAGS}?n=1000"])
        get_reset(front)
        self.run_check(front, cache, *image)
        pages = front.tag_pages()  # the kept list is revalidated at once: in any order
        self.assertIn(f"{TAGS}?n=1000", pages)
        self.assertNotIn(f"{TAGS}?n=10000", pages)
        self.assertEqual(len(pages), 5)


def get_reset(front):
    from cli_pages_test import get_json
    get_json(f"http://{front.address}/_stats/reset", "POST")


def content_requests(front):
    return sum(1 for e in front.log() if "/manifests/" in e or "/blobs/" in e)


if __name__ == "__main__":
    unittest.main()
