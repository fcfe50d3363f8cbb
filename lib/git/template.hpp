// SPDX-License-Identifier: Apache-2.0
#pragma once

// git owns committing and pushing write-backs: commit-message and branch templates now, the
// libgit2 adapter later. It depends on util only.

#include "util/result.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace argoimg::git {

// Data for a template: a string, a boolean, a list or a map of fields (Go's structs).
struct TemplateValue {
  using List = std::vector<TemplateValue>;
  using Map = std::map<std::string, TemplateValue>;
  std::variant<std::string, bool, List, Map> value;

  TemplateValue() : value(std::string()) {}
  TemplateValue(std::string text) : value(std::move(text)) {}
  TemplateValue(const char* text) : value(std::string(text)) {}
  TemplateValue(bool flag) : value(flag) {}
  TemplateValue(List list) : value(std::move(list)) {}
  TemplateValue(Map map) : value(std::move(map)) {}

  // Go's truth: false, "", an empty list or map are false.
  bool truthy() const;
};

struct TemplateNode;

// A parsed template: the subset of Go's text/template that AIU's commit and branch templates
// use: text, `{{ .Field.Sub }}`, `{{ . }}`, `{{ $ }}`/`{{ $.Field }}`, `{{ if }}`/`{{ else if }}`/
// `{{ else }}`/`{{ end }}`, `{{ range }}` (with `{{ else }}`), `{{/* comments */}}`, trim markers
// `{{- ` and ` -}}`, string literals, and the functions `eq`, `ne`, `not`, `and`, `or`, `len`.
class Template {
public:
  Template();
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Render with `data` as dot. Fails with `config` naming `name:line:col` of the action that
  // could not be evaluated (an unknown field, ranging over a non-list).
  util::Result<std::string> render(const TemplateValue& data) const;

  friend util::Result<Template> parse_template(std::string_view text, std::string_view name);

private:
  std::string m_name;
  std::vector<std::unique_ptr<TemplateNode>> m_nodes;
};

// Parse `text`; `name` (a file name) prefixes `line:col` in errors. Fails with `config` for an
// unclosed action, an unknown function, an `end` without `if`/`range`, and the like.
util::Result<Template> parse_template(std::string_view text, std::string_view name);

} // namespace argoimg::git
