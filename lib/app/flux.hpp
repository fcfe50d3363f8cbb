// SPDX-License-Identifier: Apache-2.0
#pragma once

// Flux objects read from the same files as Applications (docs/flux.md): Flux v1 workloads and
// HelmReleases with their automation annotations, and Flux v2 ImageRepository, ImagePolicy and
// ImageUpdateAutomation objects and `$imagepolicy` setter markers. The model only: how tags are
// picked is lib/tag's (`tag/flux.hpp`), how scalars are rewritten lib/writeback's.

#include "app/application.hpp"
#include "util/result.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::app {

// One step into a YAML document: a mapping key, or a sequence index (the same shape as
// writeback::PathStep, which this module cannot see).
struct NodeStep {
  std::string key;
  std::optional<size_t> index;
};
using NodePath = std::vector<NodeStep>;

// A scalar of an input file that holds (part of) an image reference and may be rewritten.
struct ScalarSlot {
  size_t document = 0; // 0-based document of the file, as YamlText counts them
  NodePath path;       // from the document's root (through `items[i]` of a `kind: List`)
  std::string value;   // the scalar's text as written: `tag: 150` reads "150", never a number
  bool plain = true;   // not quoted in the file
  Position position;   // where the scalar starts
};

// The identity of a document: kind, metadata.name and metadata.namespace. `kind` is empty for
// a document without one (a plain values file); `name` empty without metadata; `object_namespace`
// "default" when a named document has none, empty without metadata.
struct ObjectId {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string object_namespace;
  std::map<std::string, std::string> labels; // metadata.labels (scalar values only)
};

// ---- Flux v1 -------------------------------------------------------------------------------

// A `tag.<container>` pattern as written: `glob:` (the default, also without prefix),
// `semver:`, `regexp:` or `regex:`. Parsed and validated by tag::flux::parse_v1_pattern.
struct FluxV1Filter {
  std::string text = "glob:*"; // the annotation's value, untrimmed
  std::string annotation;      // the key it came from; empty for the default
  Position position;           // of the annotation; the object's origin for the default
};

// One container of a workload, or one image of a HelmRelease's values.
struct FluxV1Container {
  enum class Source { container, init_container, chart_image, values_key, mapping };
  Source source = Source::container;
  std::string name;      // container name, `chart-image`, the values key or the mapping alias
  std::string reference; // the composed reference as Flux reads it: "[registry/]image[:tag]"
  // The scalars the reference is composed from. A workload container has `image` only; a
  // HelmRelease image may split registry / image (or repository) / tag over several scalars.
  std::optional<ScalarSlot> registry;
  ScalarSlot image;
  std::optional<ScalarSlot> tag;
  FluxV1Filter filter;
};

struct FluxV1Object {
  ObjectId id;
  Position origin; // where the document starts
  std::string origin_text;
  std::map<std::string, std::string> labels;
  bool automated = false;
  bool locked = false;
  bool ignored = false; // `ignore: "true"` (`sync_only` does not stop automation)
  std::string locked_message;
  std::vector<FluxV1Container> containers; // in Flux's report order
  std::vector<std::string> warnings;       // prefix conflicts, `tag_all`, unsupported kinds
  // Why the object cannot be automated (an unquoted boolean, an invalid pattern, a mapping that
  // does not resolve): reported as the object's error; the others go on.
  std::optional<util::Error> error;
};

// ---- Flux v2 -------------------------------------------------------------------------------

struct FluxImageRepository {
  ObjectId id;
  Position origin;
  std::string image; // spec.image as written (no scheme, no tag)
  // spec.exclusionList; nullopt when absent (Flux then excludes `^.*\.sig$`). Non-empty replaces
  // the default.
  std::optional<std::vector<std::string>> exclusion_list;
  bool insecure = false;
  std::string secret_ref;      // spec.secretRef.name (a dockerconfigjson Secret)
  std::string cert_secret_ref; // spec.certSecretRef.name
  std::string provider;        // spec.provider: generic, aws, azure, gcp
  std::string service_account; // spec.serviceAccountName
  bool has_access_from = false;
  std::optional<util::Error> error;
};

struct FluxImagePolicy {
  ObjectId id;
  Position origin;
  std::string origin_text;
  std::map<std::string, std::string> labels;
  std::string repository_name;
  std::string repository_namespace; // defaults to the policy's own
  enum class Kind { semver, alphabetical, numerical };
  Kind kind = Kind::semver;
  std::string semver_range;
  std::string order = "asc"; // alphabetical / numerical: "asc" or "desc"
  std::optional<std::string> filter_pattern;
  std::optional<std::string> filter_extract;
  enum class DigestReflection { never, if_not_present, always };
  DigestReflection digest_reflection = DigestReflection::never;
  std::optional<util::Error> error; // no policy, a bad field
};

struct FluxImageUpdateAutomation {
  ObjectId id;
  Position origin;
  std::string origin_text;
  std::string update_path; // spec.update.path as written; empty: the root
  std::string strategy;    // spec.update.strategy; "Setters" (the default)
  // spec.policySelector.matchLabels (matchExpressions are refused as an error for now)
  std::map<std::string, std::string> policy_selector;
  std::optional<util::Error> error;
};

// A `# {"$imagepolicy": "ns:name[:tag|:name|:digest]"}` marker and the scalar it marks.
struct FluxMarker {
  enum class Field { image, tag, name, digest };
  Field field = Field::image;
  std::string policy_namespace;
  std::string policy_name;
  std::string setter; // the marker's value as written, e.g. "flux-system:app:tag"
  ScalarSlot slot;
  ObjectId document; // the marked document's identity (empty kind/name for a values file)
  Position document_origin;
};

} // namespace argoimg::app
