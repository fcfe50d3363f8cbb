// SPDX-License-Identifier: Apache-2.0
#pragma once

// git owns committing and pushing write-backs: commit-message and branch templates now, the
// libgit2 adapter later. It depends on util only.

#include "util/result.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace argoimg::git {

// Data for a template, as Go's reflection sees it: no value (Go's nil / a missing map key), a
// string, a bool, an int, a list (a slice), a struct (`Map`: fields by name; an unknown field
// is an error) or a map[string]string (`Strings`: a missing key is "no value" for `.key`
// and "" for `index`).
struct TemplateValue {
  using List = std::vector<TemplateValue>;
  using Map = std::map<std::string, TemplateValue>;
  using Strings = std::map<std::string, std::string>;
  std::variant<std::monostate, std::string, bool, int64_t, List, Map, Strings> value;

  TemplateValue() : value(std::string()) {}
  TemplateValue(std::string text) : value(std::move(text)) {}
  TemplateValue(const char* text) : value(std::string(text)) {}
  TemplateValue(bool flag) : value(flag) {}
  TemplateValue(int number) : value(int64_t{number}) {}
  TemplateValue(int64_t number) : value(number) {}
  TemplateValue(List list) : value(std::move(list)) {}
  TemplateValue(Map map) : value(std::move(map)) {}
  TemplateValue(Strings map) : value(std::move(map)) {}
  static TemplateValue nothing() {
    TemplateValue none;
    none.value = std::monostate{};
    return none;
  }

  // Go's truth: no value, false, 0, "", an empty list or map are false; a struct is true.
  bool truthy() const;
};

// Bounds on one render, so that a hostile template can neither hang nor exhaust memory.
struct TemplateLimits {
  size_t max_output = 1u << 20;     // bytes written (and the size of any one value made)
  size_t max_steps = 1'000'000;     // actions, commands, function calls and range iterations
  size_t max_range_items = 100'000; // iterations of one `range` over an int
  // Bytes made over the whole render: every value a function returns, every value read from,
  // declared in or assigned to a variable, and the output. Values are never refunded, so this
  // bounds both the memory held (copies kept in variables) and the copying work done.
  size_t max_total_bytes = 8u << 20;
};

struct TemplateNode;

// A parsed template: Go's text/template without `define`/`template`/`block`, methods and
// floating-point numbers. Text, actions and pipelines (`|`), parenthesised sub-expressions,
// variables (`$x := ...`, `$x = ...`, `$`, `range $i, $v := ...`) with Go's scopes, `if`/
// `else if`/`with`/`else with`/`else`/`range` (over lists, maps in key order and ints)/
// `break`/`continue`/`end`, comments, trim markers, and the built-in functions `and`, `or`,
// `not`, `len`, `index`, `slice`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `print`, `printf`,
// `println`, `html`, `js` and `urlquery` (docs/cli/commit.md#templates).
class Template {
public:
  Template();
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Render with `data` as dot (and `$`). Fails with `config`:
  // `template: name:line:col: executing "name" at <action>: what`.
  util::Result<std::string> render(const TemplateValue& data,
                                   const TemplateLimits& limits = {}) const;

  friend util::Result<Template> parse_template(std::string_view text, std::string_view name);

private:
  std::string m_name;
  std::vector<std::unique_ptr<TemplateNode>> m_nodes;
};

// Parse `text`; `name` (a file name) names it in errors: `template: name:line:col: what`
// (lines and columns count from 1; columns in bytes). Fails with `config` for an unclosed
// action, an unknown function, an undefined variable, an `end` without `if`, and the like.
util::Result<Template> parse_template(std::string_view text, std::string_view name);

} // namespace argoimg::git
