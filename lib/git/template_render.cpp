// SPDX-License-Identifier: Apache-2.0
// Execution of the text/template subset.

#include "git/template.hpp"
#include "git/template_detail.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::git {

namespace {

struct Context {
  const std::string& name;
  const TemplateValue& root;
};

std::string to_text(const TemplateValue& value) {
  if (const auto* text = std::get_if<std::string>(&value.value)) {
    return *text;
  }
  if (const auto* flag = std::get_if<bool>(&value.value)) {
    return *flag ? "true" : "false";
  }
  if (const auto* list = std::get_if<TemplateValue::List>(&value.value)) {
    std::vector<std::string> parts;
    for (const auto& item : *list) {
      parts.push_back(to_text(item));
    }
    return "[" + util::join(parts, " ") + "]";
  }
  std::vector<std::string> parts;
  for (const auto& [key, item] : std::get<TemplateValue::Map>(value.value)) {
    parts.push_back(key + ":" + to_text(item));
  }
  return "map[" + util::join(parts, " ") + "]";
}

util::Result<TemplateValue> evaluate(const Expr& expr,
                                     const TemplateValue& dot,
                                     const Context& context,
                                     const TemplateNode& node) {
  auto error = [&](const std::string& detail) {
    return util::fail(util::ErrorKind::config,
                      fmt::format("{}:{}:{}: {}", context.name, node.line, node.column, detail));
  };
  switch (expr.kind) {
  case Expr::Kind::literal:
    if (expr.text == "true" || expr.text == "false") {
      return TemplateValue(expr.text == "true");
    }
    return TemplateValue(expr.text);
  case Expr::Kind::field: {
    const TemplateValue* value = expr.from_root ? &context.root : &dot;
    for (const auto& field : expr.fields) {
      const auto* map = std::get_if<TemplateValue::Map>(&value->value);
      auto it = map ? map->find(field) : decltype(map->find(field)){};
      if (!map || it == map->end()) {
        std::vector<std::string> known;
        if (map) {
          for (const auto& entry : *map) {
            known.push_back(entry.first);
          }
        }
        return error("can't evaluate field " + field + util::did_you_mean(field, known));
      }
      value = &it->second;
    }
    return *value;
  }
  case Expr::Kind::call: {
    std::vector<TemplateValue> args;
    for (const auto& arg : expr.args) {
      auto value = evaluate(arg, dot, context, node);
      if (!value) {
        return value;
      }
      args.push_back(std::move(*value));
    }
    const std::string& fn = expr.text;
    if (fn == "not") {
      if (args.size() != 1) {
        return error("not takes one argument");
      }
      return TemplateValue(!args[0].truthy());
    }
    if (fn == "len") {
      if (args.size() != 1) {
        return error("len takes one argument");
      }
      const auto& v = args[0].value;
      size_t n =
          std::holds_alternative<std::string>(v)           ? std::get<std::string>(v).size()
          : std::holds_alternative<TemplateValue::List>(v) ? std::get<TemplateValue::List>(v).size()
          : std::holds_alternative<TemplateValue::Map>(v)  ? std::get<TemplateValue::Map>(v).size()
                                                           : 0;
      return TemplateValue(std::to_string(n));
    }
    if (args.empty()) {
      return error(fn + " needs arguments");
    }
    if (fn == "and" || fn == "or") {
      for (const auto& arg : args) {
        if (arg.truthy() == (fn == "or")) {
          return arg;
        }
      }
      return args.back();
    }
    if (args.size() < 2) {
      return error(fn + " needs two arguments");
    }
    bool equal = false;
    for (size_t i = 1; i < args.size(); ++i) {
      equal = equal || to_text(args[0]) == to_text(args[i]);
    }
    return TemplateValue(fn == "eq" ? equal : !equal);
  }
  }
  return error("bad expression");
}

util::Result<bool> run(const std::vector<std::unique_ptr<TemplateNode>>& nodes,
                       const TemplateValue& dot,
                       const Context& context,
                       std::string& out) {
  for (const auto& node : nodes) {
    switch (node->kind) {
    case TemplateNode::Kind::text:
      out += node->text;
      break;
    case TemplateNode::Kind::print: {
      auto value = evaluate(node->expr, dot, context, *node);
      if (!value) {
        return tl::unexpected(value.error());
      }
      out += to_text(*value);
      break;
    }
    case TemplateNode::Kind::if_: {
      auto value = evaluate(node->expr, dot, context, *node);
      if (!value) {
        return tl::unexpected(value.error());
      }
      auto done = run(value->truthy() ? node->body : node->otherwise, dot, context, out);
      if (!done) {
        return done;
      }
      break;
    }
    case TemplateNode::Kind::range: {
      auto value = evaluate(node->expr, dot, context, *node);
      if (!value) {
        return tl::unexpected(value.error());
      }
      std::vector<const TemplateValue*> items;
      if (const auto* list = std::get_if<TemplateValue::List>(&value->value)) {
        for (const auto& item : *list) {
          items.push_back(&item);
        }
      } else if (const auto* map = std::get_if<TemplateValue::Map>(&value->value)) {
        for (const auto& entry : *map) {
          items.push_back(&entry.second); // Go ranges over map values in key order
        }
      } else {
        return util::fail(util::ErrorKind::config,
                          fmt::format("{}:{}:{}: range can't iterate over {}",
                                      context.name,
                                      node->line,
                                      node->column,
                                      util::quote(to_text(*value))));
      }
      if (items.empty()) {
        auto done = run(node->otherwise, dot, context, out);
        if (!done) {
          return done;
        }
      }
      for (const auto* item : items) {
        auto done = run(node->body, *item, context, out);
        if (!done) {
          return done;
        }
      }
      break;
    }
    }
  }
  return true;
}

} // namespace

bool TemplateValue::truthy() const {
  if (const auto* text = std::get_if<std::string>(&value)) {
    return !text->empty();
  }
  if (const auto* flag = std::get_if<bool>(&value)) {
    return *flag;
  }
  if (const auto* list = std::get_if<List>(&value)) {
    return !list->empty();
  }
  return !std::get<Map>(value).empty();
}

util::Result<std::string> Template::render(const TemplateValue& data) const {
  std::string out;
  Context context{m_name, data};
  auto done = run(m_nodes, data, context, out);
  if (!done) {
    return tl::unexpected(done.error());
  }
  return out;
}

} // namespace argoimg::git
