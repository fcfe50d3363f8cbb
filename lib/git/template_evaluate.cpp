// SPDX-License-Identifier: Apache-2.0
// Evaluation of pipelines while executing: commands, function calls, arguments, fields and
// variables, with Go's rules and the render's limits.

#include "git/template_detail.hpp"
#include "util/spellcheck.hpp"

namespace argoimg::git::detail {

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

} // namespace argoimg::git::detail
