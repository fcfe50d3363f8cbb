// SPDX-License-Identifier: Apache-2.0
// Tag-resolution speed: pick with a `~1.2` constraint from 100,000 tags, and parse 100,000
// image references. Run: build/test/bench/argoimg_bench_tags (use a Release build).

#include "image/image_ref.hpp"
#include "tag/select.hpp"

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

namespace {

using namespace argoimg;

// A realistic mix: plain semver, v-prefixed, prereleases, two-part versions, and junk
// (commit hashes, dates, "latest"-style names).
std::vector<tag::TagCandidate> make_tags(size_t count) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_int_distribution<int> num(0, 30);
  std::vector<tag::TagCandidate> tags;
  tags.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    std::string name;
    int k = kind(rng);
    std::string core = std::to_string(num(rng) % 4) + "." + std::to_string(num(rng)) + "."
                       + std::to_string(num(rng));
    if (k <= 3) {
      name = core;
    } else if (k == 4) {
      name = "v" + core;
    } else if (k == 5) {
      name = core + "-rc." + std::to_string(num(rng));
    } else if (k == 6) {
      name = std::to_string(num(rng) % 4) + "." + std::to_string(num(rng));
    } else if (k == 7) {
      name = "sha-" + std::to_string(rng());
    } else if (k == 8) {
      name = "2024-" + std::to_string(num(rng) % 12 + 1) + "-" + std::to_string(num(rng) + 1);
    } else {
      name = "build-" + std::to_string(i);
    }
    tags.push_back(tag::TagCandidate{std::move(name), std::nullopt, {}, {}, {}});
  }
  return tags;
}

void pick_semver_from_100k_tags(benchmark::State& state) {
  auto tags = make_tags(100'000);
  tag::TagPolicy policy;
  policy.constraint = *tag::parse_constraint("~1.2");
  for (auto _ : state) {
    auto selection = tag::select_tag(tags, policy, tag::Explain::no);
    benchmark::DoNotOptimize(selection);
  }
}
BENCHMARK(pick_semver_from_100k_tags)->Unit(benchmark::kMillisecond);

void parse_100k_image_refs(benchmark::State& state) {
  std::vector<std::string> refs;
  const char* shapes[] = {"nginx:1.25.{}",
                          "docker.io/bitnami/redis:7.{}",
                          "registry.example.com:5000/team/app-{}:v1.0.0",
                          "ghcr.io/org/tool/sub{}@sha256:"
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                          "localhost/x{}"};
  for (size_t i = 0; i < 100'000; ++i) {
    std::string shape = shapes[i % 5];
    shape.replace(shape.find("{}"), 2, std::to_string(i));
    refs.push_back(std::move(shape));
  }
  for (auto _ : state) {
    size_t ok = 0;
    for (const auto& ref : refs) {
      ok += image::parse_image_ref(ref).has_value();
    }
    if (ok != refs.size()) {
      state.SkipWithError("a reference failed to parse");
    }
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(parse_100k_image_refs)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
