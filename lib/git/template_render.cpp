// SPDX-License-Identifier: Apache-2.0
// Execution of a parsed template: text, actions, if/with/range and break/continue, with Go's
// scopes; template_evaluate.cpp evaluates the pipelines.

#include "git/template.hpp"
#include "git/template_detail.hpp"

#include <fmt/format.h>

namespace argoimg::git::detail {

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

} // namespace argoimg::git::detail

namespace argoimg::git {

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
  detail::Executor executor(m_name, limits, out);
  executor.declare("$", data);
  auto done = executor.walk(m_nodes, data);
  if (!done) {
    return tl::unexpected(done.error());
  }
  return out;
}

} // namespace argoimg::git
