// SPDX-License-Identifier: Apache-2.0
// Execution of a parsed template, with Go's rules for dot, variables, fields and pipelines.

#include "git/template.hpp"
#include "git/template_detail.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::git {

using detail::Command;
using detail::Operand;
using detail::Pipe;
using detail::Position;
using Nodes = std::vector<std::unique_ptr<TemplateNode>>;

namespace {

enum class Flow { normal, break_, continue_ };

class Executor {
public:
  Executor(const std::string& name, const TemplateLimits& limits, std::string& out)
      : m_name(name), m_limits(limits), m_out(out) {}

  util::Result<Flow> walk(const Nodes& nodes, const TemplateValue& dot);
  void declare(const std::string& name, TemplateValue value) {
    m_variables.emplace_back(name, std::move(value));
  }

private:
  using Value = util::Result<TemplateValue>;

  tl::unexpected<util::Error> error(Position at, const std::string& what) const {
    std::string context = m_node ? m_node->text : std::string();
    if (context.size() > 20) {
      context = context.substr(0, 20) + "...";
    }
    return util::fail(util::ErrorKind::config,
                      fmt::format("template: {}:{}:{}: executing \"{}\" at <{}>: {}",
                                  m_name,
                                  at.line,
                                  at.column,
                                  m_name,
                                  context,
                                  what));
  }
  util::Result<bool> step(Position at) {
    if (++m_steps > m_limits.max_steps) {
      return error(at, fmt::format("execution exceeds {} steps", m_limits.max_steps));
    }
    return true;
  }
  util::Result<bool> emit(const std::string& text, Position at) {
    if (m_out.size() + text.size() > m_limits.max_output) {
      return error(at, fmt::format("output exceeds {} bytes", m_limits.max_output));
    }
    if (auto ok = charge(text.size(), at); !ok) {
      return ok;
    }
    m_out += text;
    return true;
  }
  // Count `bytes` made against the render's memory budget (never refunded).
  util::Result<bool> charge(size_t bytes, Position at) {
    m_charged += bytes;
    if (m_charged > m_limits.max_total_bytes) {
      return error(at,
                   fmt::format("memory use exceeds the template's memory budget of {} bytes",
                               m_limits.max_total_bytes));
    }
    return true;
  }
  util::Result<bool> charge(const TemplateValue& value, Position at) {
    return charge(value_bytes(value), at);
  }
  static size_t value_bytes(const TemplateValue& value);

  Value pipeline(const TemplateValue& dot, const Pipe& pipe, bool declare_variables);
  Value command(const TemplateValue& dot, const Command& cmd, const TemplateValue* final);
  Value argument(const TemplateValue& dot, const Operand& op);
  Value function(const TemplateValue& dot,
                 const Operand& fn,
                 const std::vector<Operand>& args,
                 size_t first,
                 const TemplateValue* final);
  Value chain(TemplateValue value, const Operand& op, bool has_args);
  Value variable(const Operand& op);
  util::Result<bool> set_variable(const std::string& name, TemplateValue value, Position at);
  util::Result<Flow> range(const TemplateNode& node, const TemplateValue& dot);

  const std::string& m_name;
  const TemplateLimits& m_limits;
  std::string& m_out;
  std::vector<std::pair<std::string, TemplateValue>> m_variables;
  size_t m_steps = 0;
  size_t m_charged = 0;                 // bytes counted against max_total_bytes
  const TemplateNode* m_node = nullptr; // the action being executed, for errors
};

// Roughly the heap bytes a copy of `value` occupies: its strings plus a word per list or map
// element. A lone scalar counts nothing: the step cap already bounds how many are made.
size_t Executor::value_bytes(const TemplateValue& value) {
  constexpr size_t word = sizeof(TemplateValue);
  return std::visit(
      [](const auto& v) -> size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v.size();
        } else if constexpr (std::is_same_v<T, TemplateValue::List>) {
          size_t total = 0;
          for (const auto& item : v) {
            total += word + value_bytes(item);
          }
          return total;
        } else if constexpr (std::is_same_v<T, TemplateValue::Map>) {
          size_t total = 0;
          for (const auto& [key, item] : v) {
            total += word + key.size() + value_bytes(item);
          }
          return total;
        } else if constexpr (std::is_same_v<T, TemplateValue::Strings>) {
          size_t total = 0;
          for (const auto& [key, item] : v) {
            total += word + key.size() + item.size();
          }
          return total;
        } else {
          return 0;
        }
      },
      value.value);
}

Executor::Value Executor::variable(const Operand& op) {
  for (auto it = m_variables.rbegin(); it != m_variables.rend(); ++it) {
    if (it->first == op.name) {
      // Reading copies the value: `{{range 100000}}{{len $big}}{{end}}` must pay for it.
      if (auto ok = charge(it->second, op.at); !ok) {
        return tl::unexpected(ok.error());
      }
      return it->second;
    }
  }
  return error(op.at, "undefined variable: " + op.name);
}

util::Result<bool>
Executor::set_variable(const std::string& name, TemplateValue value, Position at) {
  for (auto it = m_variables.rbegin(); it != m_variables.rend(); ++it) {
    if (it->first == name) {
      it->second = std::move(value);
      return true;
    }
  }
  return error(at, "undefined variable: " + name);
}

// Evaluate the fields of `op` on `value`; `has_args` when the last one is given arguments.
Executor::Value Executor::chain(TemplateValue value, const Operand& op, bool has_args) {
  for (size_t i = 0; i < op.fields.size(); ++i) {
    const std::string& field = op.fields[i];
    bool last = i + 1 == op.fields.size();
    if (std::holds_alternative<std::monostate>(value.value)) {
      return TemplateValue::nothing(); // Go: a field of no value is no value
    }
    if (const auto* map = std::get_if<TemplateValue::Strings>(&value.value)) {
      if (last && has_args) {
        return error(op.at, field + " is not a method but has arguments");
      }
      auto it = map->find(field);
      value = it == map->end() ? TemplateValue::nothing() : TemplateValue(it->second);
      continue;
    }
    const auto* fields = std::get_if<TemplateValue::Map>(&value.value);
    if (!fields) {
      return error(op.at, "can't evaluate field " + field + " in type " + detail::type_name(value));
    }
    auto it = fields->find(field);
    if (it == fields->end()) {
      std::vector<std::string> known;
      for (const auto& entry : *fields) {
        known.push_back(entry.first);
      }
      return error(op.at, "can't evaluate field " + field + util::did_you_mean(field, known));
    }
    if (last && has_args) {
      return error(op.at, field + " has arguments but cannot be invoked as function");
    }
    TemplateValue next = it->second;
    value = std::move(next);
  }
  return value;
}

Executor::Value Executor::argument(const TemplateValue& dot, const Operand& op) {
  switch (op.kind) {
  case Operand::Kind::literal:
    return op.literal;
  case Operand::Kind::nil:
    return TemplateValue::nothing();
  case Operand::Kind::dot:
    return dot;
  case Operand::Kind::field:
    return chain(dot, op, false);
  case Operand::Kind::variable: {
    auto value = variable(op);
    return value ? chain(std::move(*value), op, false) : value;
  }
  case Operand::Kind::pipe: {
    auto value = pipeline(dot, *op.pipe, true);
    return value ? chain(std::move(*value), op, false) : value;
  }
  case Operand::Kind::function:
    return function(dot, op, {}, 0, nullptr);
  }
  return error(op.at, "bad operand");
}

Executor::Value Executor::function(const TemplateValue& dot,
                                   const Operand& fn,
                                   const std::vector<Operand>& args,
                                   size_t first,
                                   const TemplateValue* final) {
  if (auto ok = step(fn.at); !ok) {
    return tl::unexpected(ok.error());
  }
  size_t count = args.size() - std::min(first, args.size()) + (final ? 1 : 0);
  if (fn.name == "and" || fn.name == "or") {
    if (count == 0) {
      return error(fn.at, "wrong number of args for " + fn.name + ": want at least 1 got 0");
    }
    // Go evaluates the arguments one by one and stops at the first that decides.
    TemplateValue last;
    for (size_t i = first; i < args.size(); ++i) {
      auto value = argument(dot, args[i]);
      if (!value) {
        return value;
      }
      if (value->truthy() == (fn.name == "or")) {
        return value;
      }
      last = std::move(*value);
    }
    return final ? *final : last;
  }
  std::vector<TemplateValue> values;
  for (size_t i = first; i < args.size(); ++i) {
    auto value = argument(dot, args[i]);
    if (!value) {
      return value;
    }
    values.push_back(std::move(*value));
  }
  if (final) {
    values.push_back(*final);
  }
  auto result = detail::call_builtin(fn.name, values, m_limits.max_output);
  if (!result) {
    const auto& message = result.error().message;
    bool arity = message.rfind("wrong number of args", 0) == 0;
    return error(fn.at, arity ? message : "error calling " + fn.name + ": " + message);
  }
  if (auto ok = charge(*result, fn.at); !ok) {
    return tl::unexpected(ok.error());
  }
  return result;
}

Executor::Value
Executor::command(const TemplateValue& dot, const Command& cmd, const TemplateValue* final) {
  if (auto ok = step(cmd.at); !ok) {
    return tl::unexpected(ok.error());
  }
  const Operand& first = cmd.args.front();
  bool has_args = cmd.args.size() > 1 || final;
  if (first.kind == Operand::Kind::function) {
    return function(dot, first, cmd.args, 1, final);
  }
  if (first.kind == Operand::Kind::nil) {
    return error(first.at, "nil is not a command");
  }
  bool field_call = !first.fields.empty() && first.kind != Operand::Kind::literal;
  if (has_args && !field_call) {
    return error(first.at, "can't give argument to non-function " + first.text);
  }
  switch (first.kind) {
  case Operand::Kind::field:
    return chain(dot, first, has_args);
  case Operand::Kind::variable: {
    auto value = variable(first);
    return value ? chain(std::move(*value), first, has_args) : value;
  }
  case Operand::Kind::pipe: {
    auto value = pipeline(dot, *first.pipe, true);
    return value ? chain(std::move(*value), first, has_args) : value;
  }
  default:
    return argument(dot, first);
  }
}

Executor::Value
Executor::pipeline(const TemplateValue& dot, const Pipe& pipe, bool declare_variables) {
  TemplateValue value;
  bool have = false;
  for (const auto& cmd : pipe.commands) {
    auto result = command(dot, cmd, have ? &value : nullptr);
    if (!result) {
      return result;
    }
    value = std::move(*result);
    have = true;
  }
  if (declare_variables) {
    for (const auto& name : pipe.declared) {
      if (auto ok = charge(value, pipe.at); !ok) {
        return tl::unexpected(ok.error());
      }
      if (pipe.is_assign) {
        if (auto set = set_variable(name, value, pipe.at); !set) {
          return tl::unexpected(set.error());
        }
      } else {
        declare(name, value);
      }
    }
  }
  return value;
}

util::Result<Flow> Executor::range(const TemplateNode& node, const TemplateValue& dot) {
  size_t mark = m_variables.size();
  auto collection = pipeline(dot, node.pipe, false);
  if (!collection) {
    return tl::unexpected(collection.error());
  }
  std::vector<std::pair<TemplateValue, TemplateValue>> items; // index or key, element
  const auto& value = collection->value;
  if (const auto* list = std::get_if<TemplateValue::List>(&value)) {
    for (size_t i = 0; i < list->size(); ++i) {
      items.emplace_back(TemplateValue(static_cast<int64_t>(i)), (*list)[i]);
    }
  } else if (const auto* map = std::get_if<TemplateValue::Strings>(&value)) {
    for (const auto& [key, item] : *map) {
      items.emplace_back(TemplateValue(key), TemplateValue(item));
    }
  } else if (const auto* count = std::get_if<int64_t>(&value)) {
    if (node.pipe.declared.size() > 1) {
      return error(node.at,
                   "can't use " + std::to_string(*count)
                       + " to iterate over more than one variable");
    }
    if (*count > static_cast<int64_t>(m_limits.max_range_items)) {
      return error(
          node.at,
          fmt::format("range over {} exceeds {} iterations", *count, m_limits.max_range_items));
    }
    for (int64_t i = 0; i < *count; ++i) {
      items.emplace_back(TemplateValue(i), TemplateValue(i));
    }
  } else if (!std::holds_alternative<std::monostate>(value)) {
    return error(node.at, "range can't iterate over " + detail::print_value(*collection));
  }
  const auto& names = node.pipe.declared;
  auto bind = [&](const TemplateValue& index, const TemplateValue& element) -> util::Result<bool> {
    for (size_t i = 0; i < names.size(); ++i) {
      const TemplateValue& bound = names.size() == 1 || i == 1 ? element : index;
      if (auto ok = charge(bound, node.at); !ok) {
        return ok;
      }
      if (node.pipe.is_assign) {
        if (auto set = set_variable(names[i], bound, node.at); !set) {
          return set;
        }
      } else {
        declare(names[i], bound);
      }
    }
    return true;
  };
  util::Result<Flow> flow = Flow::normal;
  if (items.empty()) {
    if (auto bound = bind(*collection, *collection); !bound) {
      return tl::unexpected(bound.error());
    }
    flow = walk(node.otherwise, dot);
  }
  for (const auto& [index, element] : items) {
    m_variables.resize(mark);
    if (auto ok = step(node.at); !ok) {
      return tl::unexpected(ok.error());
    }
    if (auto bound = bind(index, element); !bound) {
      return tl::unexpected(bound.error());
    }
    flow = walk(node.body, element);
    if (!flow || *flow == Flow::break_) {
      break;
    }
  }
  m_variables.resize(mark);
  if (!flow) {
    return flow;
  }
  return Flow::normal;
}

util::Result<Flow> Executor::walk(const Nodes& nodes, const TemplateValue& dot) {
  for (const auto& node : nodes) {
    m_node = node.get();
    if (auto ok = step(node->at); !ok) {
      return tl::unexpected(ok.error());
    }
    switch (node->kind) {
    case TemplateNode::Kind::text:
      if (auto ok = emit(node->text, node->at); !ok) {
        return tl::unexpected(ok.error());
      }
      break;
    case TemplateNode::Kind::action: {
      auto value = pipeline(dot, node->pipe, true);
      if (!value) {
        return tl::unexpected(value.error());
      }
      if (node->pipe.declared.empty()) {
        if (auto ok = emit(detail::print_value(*value), node->at); !ok) {
          return tl::unexpected(ok.error());
        }
      }
      break;
    }
    case TemplateNode::Kind::if_:
    case TemplateNode::Kind::with: {
      size_t mark = m_variables.size();
      auto value = pipeline(dot, node->pipe, true);
      if (!value) {
        return tl::unexpected(value.error());
      }
      bool with = node->kind == TemplateNode::Kind::with;
      auto flow =
          value->truthy() ? walk(node->body, with ? *value : dot) : walk(node->otherwise, dot);
      m_variables.resize(mark);
      if (!flow || *flow != Flow::normal) {
        return flow;
      }
      break;
    }
    case TemplateNode::Kind::range: {
      auto flow = range(*node, dot);
      if (!flow) {
        return flow;
      }
      break;
    }
    case TemplateNode::Kind::break_:
      return Flow::break_;
    case TemplateNode::Kind::continue_:
      return Flow::continue_;
    }
  }
  return Flow::normal;
}

} // namespace

bool TemplateValue::truthy() const {
  return std::visit(
      [](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v;
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return v != 0;
        } else if constexpr (std::is_same_v<T, Map>) {
          return true; // a Go struct is always true
        } else {
          return !v.empty();
        }
      },
      value);
}

util::Result<std::string> Template::render(const TemplateValue& data,
                                           const TemplateLimits& limits) const {
  std::string out;
  Executor executor(m_name, limits, out);
  executor.declare("$", data);
  auto done = executor.walk(m_nodes, data);
  if (!done) {
    return tl::unexpected(done.error());
  }
  return out;
}

} // namespace argoimg::git
