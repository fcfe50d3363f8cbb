// SPDX-License-Identifier: Apache-2.0
// Go's text/template built-in functions (text/template/funcs.go), on TemplateValue.

#include "git/template_detail.hpp"

#include <fmt/format.h>

namespace argoimg::git::detail {

namespace {

using Value = util::Result<TemplateValue>;

tl::unexpected<util::Error> failure(const std::string& message) {
  return util::fail(util::ErrorKind::config, message);
}

util::Result<bool> arity(const std::string& name, size_t got, size_t want, bool at_least) {
  if (at_least ? got >= want : got == want) {
    return true;
  }
  return failure(fmt::format("wrong number of args for {}: want {}{} got {}",
                             name,
                             at_least ? "at least " : "",
                             want,
                             got));
}

// Go's indexArg: an int in [0, cap].
util::Result<int64_t> index_argument(const TemplateValue& index, size_t cap) {
  if (std::holds_alternative<std::monostate>(index.value)) {
    return failure("cannot index slice/array with nil");
  }
  const auto* number = std::get_if<int64_t>(&index.value);
  if (!number) {
    return failure("cannot index slice/array with type " + type_name(index));
  }
  if (*number < 0 || static_cast<uint64_t>(*number) > cap) {
    return failure(fmt::format("index out of range: {}", *number));
  }
  return *number;
}

Value index(const std::vector<TemplateValue>& args) {
  TemplateValue item = args[0];
  if (std::holds_alternative<std::monostate>(item.value)) {
    return failure("index of untyped nil");
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const TemplateValue& key = args[i];
    if (const auto* text = std::get_if<std::string>(&item.value)) {
      auto x = index_argument(key, text->size());
      if (!x) {
        return tl::unexpected(x.error());
      }
      if (static_cast<size_t>(*x) == text->size()) {
        return failure("reflect: string index out of range");
      }
      item = TemplateValue(
          static_cast<int64_t>(static_cast<unsigned char>((*text)[static_cast<size_t>(*x)])));
    } else if (const auto* list = std::get_if<TemplateValue::List>(&item.value)) {
      auto x = index_argument(key, list->size());
      if (!x) {
        return tl::unexpected(x.error());
      }
      if (static_cast<size_t>(*x) == list->size()) {
        return failure("reflect: slice index out of range");
      }
      TemplateValue next = (*list)[static_cast<size_t>(*x)];
      item = std::move(next);
    } else if (const auto* map = std::get_if<TemplateValue::Strings>(&item.value)) {
      const auto* name = std::get_if<std::string>(&key.value);
      if (!name) {
        return failure("value has type " + type_name(key) + "; should be string");
      }
      auto it = map->find(*name);
      item = TemplateValue(it == map->end() ? std::string() : it->second); // the zero value
    } else if (std::holds_alternative<std::monostate>(item.value)) {
      return failure("index of nil pointer");
    } else {
      return failure("can't index item of type " + type_name(item));
    }
  }
  return item;
}

Value slice(const std::vector<TemplateValue>& args) {
  const TemplateValue& item = args[0];
  if (std::holds_alternative<std::monostate>(item.value)) {
    return failure("slice of untyped nil");
  }
  size_t indexes = args.size() - 1;
  if (indexes > 3) {
    return failure(fmt::format("too many slice indexes: {}", indexes));
  }
  const auto* text = std::get_if<std::string>(&item.value);
  const auto* list = std::get_if<TemplateValue::List>(&item.value);
  if (!text && !list) {
    return failure("can't slice item of type " + type_name(item));
  }
  if (text && indexes == 3) {
    return failure("cannot 3-index slice a string");
  }
  size_t size = text ? text->size() : list->size();
  int64_t bounds[3] = {0, static_cast<int64_t>(size), static_cast<int64_t>(size)};
  for (size_t i = 0; i < indexes; ++i) {
    auto x = index_argument(args[i + 1], size);
    if (!x) {
      return tl::unexpected(x.error());
    }
    bounds[i] = *x;
  }
  if (bounds[0] > bounds[1]) {
    return failure(fmt::format("invalid slice index: {} > {}", bounds[0], bounds[1]));
  }
  if (indexes == 3 && bounds[1] > bounds[2]) {
    return failure(fmt::format("invalid slice index: {} > {}", bounds[1], bounds[2]));
  }
  auto from = static_cast<size_t>(bounds[0]);
  auto to = static_cast<size_t>(bounds[1]);
  if (text) {
    return TemplateValue(text->substr(from, to - from));
  }
  return TemplateValue(TemplateValue::List(list->begin() + static_cast<std::ptrdiff_t>(from),
                                           list->begin() + static_cast<std::ptrdiff_t>(to)));
}

Value length(const TemplateValue& item) {
  return std::visit(
      [&](const auto& v) -> Value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return failure("len of nil pointer");
        } else if constexpr (
            std::is_same_v<
                T,
                bool> || std::is_same_v<T, int64_t> || std::is_same_v<T, TemplateValue::Map>) {
          return failure("len of type " + type_name(item));
        } else {
          return TemplateValue(static_cast<int64_t>(v.size()));
        }
      },
      item.value);
}

// The kinds Go's comparison functions accept.
enum class Basic { boolean, integer, string, other };

Basic basic_kind(const TemplateValue& value) {
  if (std::holds_alternative<bool>(value.value)) {
    return Basic::boolean;
  }
  if (std::holds_alternative<int64_t>(value.value)) {
    return Basic::integer;
  }
  if (std::holds_alternative<std::string>(value.value)) {
    return Basic::string;
  }
  return Basic::other;
}

util::Result<bool> equal(const std::vector<TemplateValue>& args) {
  if (args.size() < 2) {
    return failure("missing argument for comparison");
  }
  const TemplateValue& first = args[0];
  Basic k1 = basic_kind(first);
  for (size_t i = 1; i < args.size(); ++i) {
    const TemplateValue& arg = args[i];
    Basic k2 = basic_kind(arg);
    bool none1 = std::holds_alternative<std::monostate>(first.value);
    bool none2 = std::holds_alternative<std::monostate>(arg.value);
    if (k1 != k2) {
      if (!none1 && !none2) {
        return failure("incompatible types for comparison: " + type_name(first) + " and "
                       + type_name(arg));
      }
      continue; // no value equals nothing but no value
    }
    if (k1 == Basic::other) {
      if (none1 && none2) {
        return true;
      }
      if (!none1 && !none2) {
        return failure("non-comparable type " + type_name(none1 ? arg : first));
      }
      continue;
    }
    bool same = k1 == Basic::boolean ? std::get<bool>(first.value) == std::get<bool>(arg.value)
                : k1 == Basic::integer
                    ? std::get<int64_t>(first.value) == std::get<int64_t>(arg.value)
                    : std::get<std::string>(first.value) == std::get<std::string>(arg.value);
    if (same) {
      return true;
    }
  }
  return false;
}

util::Result<bool> less(const TemplateValue& a, const TemplateValue& b) {
  Basic k1 = basic_kind(a);
  Basic k2 = basic_kind(b);
  if (k1 == Basic::other || k2 == Basic::other) {
    return failure("invalid type for comparison");
  }
  if (k1 != k2) {
    return failure("incompatible types for comparison: " + type_name(a) + " and " + type_name(b));
  }
  if (k1 == Basic::boolean) {
    return failure("invalid type for comparison");
  }
  if (k1 == Basic::integer) {
    return std::get<int64_t>(a.value) < std::get<int64_t>(b.value);
  }
  return std::get<std::string>(a.value) < std::get<std::string>(b.value);
}

Value compare(const std::string& name, const std::vector<TemplateValue>& args) {
  if (name == "eq") {
    auto result = equal(args);
    return result ? Value(TemplateValue(*result)) : tl::unexpected(result.error());
  }
  if (name == "ne") {
    auto result = equal(args);
    return result ? Value(TemplateValue(!*result)) : tl::unexpected(result.error());
  }
  auto lt = less(args[0], args[1]);
  if (!lt) {
    return tl::unexpected(lt.error());
  }
  if (name == "lt" || name == "ge") {
    return TemplateValue(name == "lt" ? *lt : !*lt);
  }
  bool le = *lt;
  if (!le) {
    auto eq = equal(args);
    if (!eq) {
      return tl::unexpected(eq.error());
    }
    le = *eq;
  }
  return TemplateValue(name == "le" ? le : !le);
}

// Go's evalArgs for html, js and urlquery: one string as is, else fmt.Sprint, with no value
// printed as "<no value>".
std::string text_of(const std::vector<TemplateValue>& args) {
  if (args.size() == 1) {
    if (const auto* text = std::get_if<std::string>(&args[0].value)) {
      return *text;
    }
  }
  std::vector<TemplateValue> printable = args;
  for (auto& arg : printable) {
    if (std::holds_alternative<std::monostate>(arg.value)) {
      arg = TemplateValue("<no value>");
    }
  }
  return go_sprint(printable);
}

Value call(const std::string& name, const std::vector<TemplateValue>& args, size_t limit) {
  size_t n = args.size();
  if (name == "not" || name == "len") {
    if (auto ok = arity(name, n, 1, false); !ok) {
      return tl::unexpected(ok.error());
    }
    return name == "not" ? Value(TemplateValue(!args[0].truthy())) : length(args[0]);
  }
  if (name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
    if (auto ok = arity(name, n, 2, false); !ok) {
      return tl::unexpected(ok.error());
    }
    return compare(name, args);
  }
  if (name == "and" || name == "or" || name == "eq" || name == "index" || name == "slice"
      || name == "printf") {
    if (auto ok = arity(name, n, 1, true); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  if (name == "and" || name == "or") {
    for (const auto& arg : args) {
      if (arg.truthy() == (name == "or")) {
        return arg;
      }
    }
    return args.back();
  }
  if (name == "eq") {
    return compare(name, args);
  }
  if (name == "index") {
    return index(args);
  }
  if (name == "slice") {
    return slice(args);
  }
  if (name == "printf") {
    const auto* format = std::get_if<std::string>(&args[0].value);
    if (!format) {
      return failure("wrong type for value; expected string; got " + type_name(args[0]));
    }
    auto text =
        go_sprintf(*format, std::vector<TemplateValue>(args.begin() + 1, args.end()), limit);
    return text ? Value(TemplateValue(std::move(*text))) : tl::unexpected(text.error());
  }
  if (name == "print") {
    return TemplateValue(go_sprint(args));
  }
  if (name == "println") {
    return TemplateValue(go_sprintln(args));
  }
  if (name == "html") {
    return TemplateValue(html_escape(text_of(args)));
  }
  if (name == "js") {
    return TemplateValue(js_escape(text_of(args)));
  }
  if (name == "urlquery") {
    return TemplateValue(query_escape(text_of(args)));
  }
  return failure("function " + name + " not defined");
}

} // namespace

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> names = {"and",
                                                 "or",
                                                 "not",
                                                 "len",
                                                 "index",
                                                 "slice",
                                                 "eq",
                                                 "ne",
                                                 "lt",
                                                 "le",
                                                 "gt",
                                                 "ge",
                                                 "print",
                                                 "printf",
                                                 "println",
                                                 "html",
                                                 "js",
                                                 "urlquery"};
  return names;
}

util::Result<TemplateValue>
call_builtin(const std::string& name, const std::vector<TemplateValue>& args, size_t limit) {
  auto result = call(name, args, limit);
  if (result) {
    if (const auto* text = std::get_if<std::string>(&result->value); text && text->size() > limit) {
      return failure(fmt::format("the result exceeds {} bytes", limit));
    }
  }
  return result;
}

} // namespace argoimg::git::detail
