// SPDX-License-Identifier: Apache-2.0
#pragma once

// app owns Argo CD Applications and AIU's configuration of them: loading Application and
// ImageUpdater YAML, annotations, selection, application types and current images. It depends
// on util, image and tag; yaml-cpp stays inside its .cpp files.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::app {

// Where something was read: "path:line:col" for files, the server URL for the API.
struct Position {
  std::string file;
  int line = 0;   // 1-based; 0 when unknown
  int column = 0; // 1-based; 0 when unknown

  // "file:line" (or "file:line:col" when `with_column`), or just the file when no line.
  std::string to_string(bool with_column = false) const;
};

struct HelmParameter {
  std::string name;
  std::string value;
  bool force_string = false;
};

// One `spec.source` / `spec.sources[i]`.
struct Source {
  std::string repo_url;
  std::string path;
  std::string target_revision;
  std::string chart;
  std::string ref;
  bool has_helm = false;
  bool has_kustomize = false;
  bool has_plugin = false;
  std::vector<HelmParameter> helm_parameters;
  std::string helm_values;        // `helm.values`, a YAML document in a string
  std::string helm_values_object; // `helm.valuesObject`, re-emitted as YAML
  std::vector<std::string> kustomize_images;
};

struct Annotation {
  std::string value;
  Position position;
};

// An Argo CD Application (argoproj.io/v1alpha1), the fields argoimg uses.
struct Application {
  std::string name;
  std::string app_namespace; // metadata.namespace; empty when not set
  // Read to select and configure the application; a run drops both once the configuration
  // is read (run::configure_applications), as it holds thousands of applications at once.
  std::map<std::string, std::string> labels;
  std::map<std::string, Annotation> annotations;
  std::vector<Source> sources; // one for spec.source
  bool multi_source = false;   // spec.sources was used
  std::string status_source_type;
  std::vector<std::string> status_source_types;
  std::optional<std::vector<std::string>> status_images; // status.summary.images
  Position origin;                                       // where the document starts
  std::string origin_text; // "file:line" or the API server, for output
  // Read from the Argo CD API: metadata.resourceVersion and the sha256 of the object's spec
  // and annotations, which a saved plan records to refuse an Application changed since.
  std::string resource_version;
  std::string state_sha256;
};

} // namespace argoimg::app
