// SPDX-License-Identifier: Apache-2.0
// Parsing of the text/template subset.

#include "git/template.hpp"

#include "git/template_detail.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::git {

namespace {

const std::vector<std::string> k_functions = {"eq", "ne", "not", "and", "or", "len"};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct Cursor {
  std::string_view name;
  std::string_view text;
  int line = 1;
  int column = 1;

  tl::unexpected<util::Error> error(int at_line, int at_column, const std::string& detail) const {
    return util::fail(util::ErrorKind::config,
                      fmt::format("{}:{}:{}: {}", name, at_line, at_column, detail));
  }
};

// Split an action's content into words; quoted strings stay whole (with their quotes).
util::Result<std::vector<std::string>>
words_of(std::string_view content, const Cursor& at, int line, int column) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < content.size()) {
    if (is_space(content[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    if (content[i] == '"' || content[i] == '`') {
      char quote = content[i++];
      while (i < content.size() && content[i] != quote) {
        i += (quote == '"' && content[i] == '\\') ? size_t{2} : size_t{1};
      }
      if (i >= content.size()) {
        return at.error(line, column, "unterminated quoted string");
      }
      ++i;
    } else {
      while (i < content.size() && !is_space(content[i])) {
        ++i;
      }
    }
    words.emplace_back(content.substr(start, i - start));
  }
  return words;
}

util::Result<Expr> operand(const std::string& word, const Cursor& at, int line, int column) {
  Expr expr;
  if (word.front() == '"' || word.front() == '`') {
    expr.kind = Expr::Kind::literal;
    std::string_view body(word.data() + 1, word.size() - 2);
    for (size_t i = 0; i < body.size(); ++i) {
      if (word.front() == '"' && body[i] == '\\' && i + 1 < body.size()) {
        char next = body[++i];
        expr.text += next == 'n' ? '\n' : next == 't' ? '\t' : next;
      } else {
        expr.text += body[i];
      }
    }
    return expr;
  }
  if (word == "true" || word == "false") {
    expr.kind = Expr::Kind::literal;
    expr.text = word;
    return expr;
  }
  std::string_view rest = word;
  if (rest.front() == '$') {
    expr.from_root = true;
    rest.remove_prefix(1);
    if (rest.empty()) {
      return expr;
    }
  }
  if (rest.front() != '.') {
    return at.error(line,
                    column,
                    "unexpected " + util::quote(word)
                        + "; expected .Field, $, a string or a function");
  }
  rest.remove_prefix(1);
  if (!rest.empty()) {
    for (auto field : util::split(rest, '.')) {
      if (field.empty()) {
        return at.error(line, column, "bad field reference " + util::quote(word));
      }
      expr.fields.emplace_back(field);
    }
  }
  return expr;
}

util::Result<Expr> pipeline(
    const std::vector<std::string>& words, size_t from, const Cursor& at, int line, int column) {
  if (from >= words.size()) {
    return at.error(line, column, "missing value");
  }
  const std::string& first = words[from];
  bool is_name =
      (first.front() >= 'a' && first.front() <= 'z') && first != "true" && first != "false";
  if (!is_name) {
    if (words.size() - from > 1) {
      return at.error(line,
                      column,
                      "unexpected " + util::quote(words[from + 1]) + " after "
                          + util::quote(first));
    }
    return operand(first, at, line, column);
  }
  if (std::find(k_functions.begin(), k_functions.end(), first) == k_functions.end()) {
    return at.error(line,
                    column,
                    "function " + util::quote(first) + " not defined"
                        + util::did_you_mean(first, k_functions));
  }
  Expr call;
  call.kind = Expr::Kind::call;
  call.text = first;
  for (size_t i = from + 1; i < words.size(); ++i) {
    auto arg = operand(words[i], at, line, column);
    if (!arg) {
      return tl::unexpected(arg.error());
    }
    call.args.push_back(std::move(*arg));
  }
  return call;
}

struct Frame {
  TemplateNode* node; // if_/range being filled; null for the top level
  bool in_else = false;
  bool chained = false; // this if_ came from `else if`: its `end` closes the outer one too
};

} // namespace

Template::Template() = default;
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

util::Result<Template> parse_template(std::string_view text, std::string_view name) {
  Template result;
  result.m_name = std::string(name);
  Cursor at{name, text, 1, 1};
  std::vector<Frame> stack{{nullptr}};
  auto current = [&]() -> std::vector<std::unique_ptr<TemplateNode>>& {
    Frame& top = stack.back();
    if (!top.node) {
      return result.m_nodes;
    }
    return top.in_else ? top.node->otherwise : top.node->body;
  };
  size_t pos = 0;
  bool trim_next = false;
  auto advance_position = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (text[i] == '\n') {
        ++at.line;
        at.column = 1;
      } else {
        ++at.column;
      }
    }
  };
  while (pos <= text.size()) {
    size_t open = text.find("{{", pos);
    std::string chunk(
        text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    bool trim_before = open != std::string_view::npos && open + 3 < text.size()
                       && text[open + 2] == '-' && is_space(text[open + 3]);
    if (trim_next) {
      size_t first = chunk.find_first_not_of(" \t\r\n");
      chunk = first == std::string::npos ? "" : chunk.substr(first);
    }
    if (trim_before) {
      size_t last = chunk.find_last_not_of(" \t\r\n");
      chunk = last == std::string::npos ? "" : chunk.substr(0, last + 1);
    }
    if (!chunk.empty()) {
      auto node = std::make_unique<TemplateNode>();
      node->text = chunk;
      current().push_back(std::move(node));
    }
    if (open == std::string_view::npos) {
      break;
    }
    advance_position(pos, open);
    int line = at.line;
    int column = at.column;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return at.error(line, column, "unclosed action");
    }
    std::string_view inner = text.substr(open + 2, close - open - 2);
    trim_next = inner.size() >= 2 && inner.back() == '-' && is_space(inner[inner.size() - 2]);
    if (trim_before) {
      inner.remove_prefix(1);
    }
    if (trim_next) {
      inner.remove_suffix(1);
    }
    advance_position(open, close + 2);
    pos = close + 2;
    std::string_view content = util::trim(inner);
    if (content.rfind("/*", 0) == 0) {
      if (content.size() < 4 || content.substr(content.size() - 2) != "*/") {
        return at.error(line, column, "unclosed comment");
      }
      continue;
    }
    auto words = words_of(content, at, line, column);
    if (!words) {
      return tl::unexpected(words.error());
    }
    if (words->empty()) {
      return at.error(line, column, "missing value for command");
    }
    const std::string& keyword = (*words)[0];
    if (keyword == "if" || keyword == "range") {
      auto expr = pipeline(*words, 1, at, line, column);
      if (!expr) {
        return tl::unexpected(expr.error());
      }
      auto node = std::make_unique<TemplateNode>();
      node->kind = keyword == "if" ? TemplateNode::Kind::if_ : TemplateNode::Kind::range;
      node->expr = std::move(*expr);
      node->line = line;
      node->column = column;
      TemplateNode* raw = node.get();
      current().push_back(std::move(node));
      stack.push_back(Frame{raw});
    } else if (keyword == "else") {
      Frame& top = stack.back();
      if (!top.node || top.in_else) {
        return at.error(line, column, "unexpected {{else}}");
      }
      top.in_else = true;
      if (words->size() > 1 && (*words)[1] == "if") {
        if (top.node->kind != TemplateNode::Kind::if_) {
          return at.error(line, column, "unexpected {{else if}} in range");
        }
        auto expr = pipeline(*words, 2, at, line, column);
        if (!expr) {
          return tl::unexpected(expr.error());
        }
        auto node = std::make_unique<TemplateNode>();
        node->kind = TemplateNode::Kind::if_;
        node->expr = std::move(*expr);
        node->line = line;
        node->column = column;
        TemplateNode* raw = node.get();
        top.node->otherwise.push_back(std::move(node));
        stack.push_back(Frame{raw, false, true});
      } else if (words->size() > 1) {
        return at.error(line, column, "unexpected " + util::quote((*words)[1]) + " after else");
      }
    } else if (keyword == "end") {
      if (!stack.back().node) {
        return at.error(line, column, "unexpected {{end}}");
      }
      while (stack.back().chained) {
        stack.pop_back();
      }
      stack.pop_back();
    } else {
      auto expr = pipeline(*words, 0, at, line, column);
      if (!expr) {
        return tl::unexpected(expr.error());
      }
      auto node = std::make_unique<TemplateNode>();
      node->kind = TemplateNode::Kind::print;
      node->expr = std::move(*expr);
      node->line = line;
      node->column = column;
      current().push_back(std::move(node));
    }
  }
  if (stack.size() > 1) {
    const TemplateNode* open = stack.back().node;
    return at.error(open->line,
                    open->column,
                    std::string("unexpected EOF: {{")
                        + (open->kind == TemplateNode::Kind::if_ ? "if" : "range")
                        + "}} is never closed with {{end}}");
  }
  return result;
}

} // namespace argoimg::git
