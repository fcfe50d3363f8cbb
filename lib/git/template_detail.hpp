// SPDX-License-Identifier: Apache-2.0
#pragma once

// The parsed form of a Template; shared by template.cpp (parser) and template_render.cpp.

#include "git/template.hpp"

#include <memory>
#include <string>
#include <vector>

namespace argoimg::git {

// One operand or call inside an action: `.A.B`, `$.A`, `"text"`, or `fn arg arg`.
struct Expr {
  enum class Kind { field, literal, call };
  Kind kind = Kind::field;
  bool from_root = false;          // `$...`
  std::vector<std::string> fields; // for field: the path after the dot (empty: dot itself)
  std::string text;                // literal text, or the function name
  std::vector<Expr> args;          // call arguments
};

struct TemplateNode {
  enum class Kind { text, print, if_, range };
  Kind kind = Kind::text;
  std::string text;
  Expr expr;
  int line = 0;
  int column = 0;
  std::vector<std::unique_ptr<TemplateNode>> body;
  std::vector<std::unique_ptr<TemplateNode>>
      otherwise; // else branch (may hold one if_ for else-if)
};

} // namespace argoimg::git
