// SPDX-License-Identifier: Apache-2.0
// Parsing of Go's text/template (see template.hpp for what is supported).

#include "git/template.hpp"

#include "git/template_detail.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::git {

using detail::Command;
using detail::Operand;
using detail::Pipe;
using detail::Position;
using detail::Token;

namespace {

// Nesting of control structures and of parentheses: deeper templates are refused, so that
// neither parsing nor execution can exhaust the stack.
constexpr size_t k_max_depth = 100;

const std::vector<std::string> k_keywords = {
    "if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"};

bool is_keyword(const std::string& word) {
  return std::find(k_keywords.begin(), k_keywords.end(), word) != k_keywords.end();
}

struct Frame {
  TemplateNode* node = nullptr; // if_/with/range being filled; null for the top level
  bool in_else = false;
  bool chained = false; // came from `else if`/`else with`: its `end` closes the outer one too
  size_t variables = 0; // variables in scope when it opened
};

class Parser {
public:
  explicit Parser(std::string_view name) : m_name(name) { m_variables.push_back("$"); }

  tl::unexpected<util::Error> error(Position at, const std::string& what) const {
    return util::fail(util::ErrorKind::config,
                      fmt::format("template: {}:{}:{}: {}", m_name, at.line, at.column, what));
  }

  util::Result<bool> parse(const std::vector<detail::Segment>& segments,
                           std::vector<std::unique_ptr<TemplateNode>>& top);

private:
  const Token& peek() const { return (*m_tokens)[m_pos]; }
  const Token& next() { return (*m_tokens)[m_pos < m_tokens->size() - 1 ? m_pos++ : m_pos]; }

  util::Result<Pipe> pipeline(const std::string& context, Token::Kind end, bool range = false);
  util::Result<Command> command(Token::Kind end);
  util::Result<Operand> operand();
  util::Result<bool> control(const std::string& keyword,
                             std::vector<std::unique_ptr<TemplateNode>>& into,
                             bool chained,
                             Position at,
                             const std::string& text);
  std::vector<std::unique_ptr<TemplateNode>>&
  current(std::vector<std::unique_ptr<TemplateNode>>& top);
  size_t range_depth() const {
    return static_cast<size_t>(std::count_if(m_stack.begin(), m_stack.end(), [](const Frame& f) {
      return f.node && f.node->kind == TemplateNode::Kind::range;
    }));
  }

  std::string m_name;
  std::vector<std::string> m_variables;
  std::vector<Frame> m_stack{Frame{}};
  const std::vector<Token>* m_tokens = nullptr;
  size_t m_pos = 0;
  size_t m_parens = 0;
};

util::Result<Operand> Parser::operand() {
  const Token& token = next();
  Operand op;
  op.at = token.at;
  op.text = token.text;
  switch (token.kind) {
  case Token::Kind::boolean:
    op.literal = TemplateValue(token.text == "true");
    break;
  case Token::Kind::number:
    op.literal = TemplateValue(token.number);
    break;
  case Token::Kind::string:
    op.literal = TemplateValue(token.text);
    op.text = util::quote(token.text);
    break;
  case Token::Kind::nil:
    op.kind = Operand::Kind::nil;
    break;
  case Token::Kind::dot:
    op.kind = Operand::Kind::dot;
    break;
  case Token::Kind::field:
    op.kind = Operand::Kind::field;
    op.fields.push_back(token.text.substr(1));
    break;
  case Token::Kind::variable:
    if (std::find(m_variables.begin(), m_variables.end(), token.text) == m_variables.end()) {
      return error(token.at, "undefined variable " + util::quote(token.text));
    }
    op.kind = Operand::Kind::variable;
    op.name = token.text;
    break;
  case Token::Kind::identifier: {
    if (is_keyword(token.text)) {
      return error(token.at, "unexpected keyword " + util::quote(token.text) + " in operand");
    }
    const auto& names = detail::builtin_names();
    if (std::find(names.begin(), names.end(), token.text) == names.end()) {
      return error(token.at,
                   "function " + util::quote(token.text) + " not defined"
                       + util::did_you_mean(token.text, names));
    }
    op.kind = Operand::Kind::function;
    op.name = token.text;
    break;
  }
  case Token::Kind::lparen: {
    if (++m_parens > k_max_depth) {
      return error(token.at, fmt::format("parentheses nested deeper than {}", k_max_depth));
    }
    auto inner = pipeline("parenthesized pipeline", Token::Kind::rparen);
    if (!inner) {
      return tl::unexpected(inner.error());
    }
    if (peek().kind != Token::Kind::rparen) {
      return error(token.at, "unclosed left paren");
    }
    next();
    --m_parens;
    op.kind = Operand::Kind::pipe;
    op.pipe = std::make_shared<Pipe>(std::move(*inner));
    op.text = "(...)";
    break;
  }
  default:
    return error(token.at,
                 token.kind == Token::Kind::end
                     ? std::string("missing value")
                     : "unexpected " + util::quote(token.text) + " in operand");
  }
  // A field chain written right after the term: `.A.B`, `$x.A`, `(...).A`.
  while (peek().kind == Token::Kind::field && !peek().spaced) {
    if (op.kind != Operand::Kind::field && op.kind != Operand::Kind::variable
        && op.kind != Operand::Kind::pipe) {
      return error(peek().at, "unexpected " + util::quote(peek().text) + " after " + op.text);
    }
    op.fields.push_back(next().text.substr(1));
    op.text += "." + op.fields.back();
  }
  return op;
}

util::Result<Command> Parser::command(Token::Kind end) {
  Command cmd;
  cmd.at = peek().at;
  while (true) {
    const Token& token = peek();
    if (token.kind == Token::Kind::pipe || token.kind == end || token.kind == Token::Kind::end
        || token.kind == Token::Kind::rparen) {
      break;
    }
    if (!cmd.args.empty() && !token.spaced) {
      return error(token.at, "unexpected " + util::quote(token.text) + " in operand");
    }
    auto op = operand();
    if (!op) {
      return tl::unexpected(op.error());
    }
    cmd.args.push_back(std::move(*op));
  }
  if (cmd.args.empty()) {
    return error(cmd.at, "missing value for command");
  }
  return cmd;
}

util::Result<Pipe> Parser::pipeline(const std::string& context, Token::Kind end, bool range) {
  Pipe pipe;
  pipe.at = peek().at;
  // Declarations: `$x :=`, `$x =`, and in range `$i, $v :=`.
  if (peek().kind == Token::Kind::variable) {
    size_t save = m_pos;
    std::vector<Token> names{next()};
    if (peek().kind == Token::Kind::comma) {
      next();
      if (!range) {
        return error(names.front().at, "too many declarations in " + context);
      }
      if (peek().kind != Token::Kind::variable) {
        return error(peek().at, "expected a variable after ',' in " + context);
      }
      names.push_back(next());
      if (peek().kind != Token::Kind::declare && peek().kind != Token::Kind::assign) {
        return error(peek().at, "expected := or = after the variables of " + context);
      }
    }
    if (peek().kind == Token::Kind::declare || peek().kind == Token::Kind::assign) {
      pipe.is_assign = next().kind == Token::Kind::assign;
      for (const auto& name : names) {
        if (pipe.is_assign
            && std::find(m_variables.begin(), m_variables.end(), name.text) == m_variables.end()) {
          return error(name.at, "undefined variable " + util::quote(name.text));
        }
        pipe.declared.push_back(name.text);
      }
    } else {
      m_pos = save;
    }
  }
  while (true) {
    auto cmd = command(end);
    if (!cmd) {
      return tl::unexpected(cmd.error());
    }
    pipe.commands.push_back(std::move(*cmd));
    if (peek().kind == Token::Kind::pipe) {
      next();
      continue;
    }
    if (peek().kind == end) {
      break;
    }
    if (peek().kind == Token::Kind::end) {
      return error(pipe.at, "unclosed left paren");
    }
    return error(peek().at, "unexpected " + util::quote(peek().text) + " in " + context);
  }
  for (size_t i = 1; i < pipe.commands.size(); ++i) {
    auto kind = pipe.commands[i].args.front().kind;
    if (kind == Operand::Kind::literal || kind == Operand::Kind::nil
        || kind == Operand::Kind::dot) {
      return error(pipe.commands[i].at,
                   fmt::format("non executable command in pipeline stage {}", i + 1));
    }
  }
  if (!pipe.is_assign) {
    for (const auto& name : pipe.declared) {
      m_variables.push_back(name);
    }
  }
  return pipe;
}

std::vector<std::unique_ptr<TemplateNode>>&
Parser::current(std::vector<std::unique_ptr<TemplateNode>>& top) {
  Frame& frame = m_stack.back();
  if (!frame.node) {
    return top;
  }
  return frame.in_else ? frame.node->otherwise : frame.node->body;
}

util::Result<bool> Parser::control(const std::string& keyword,
                                   std::vector<std::unique_ptr<TemplateNode>>& into,
                                   bool chained,
                                   Position at,
                                   const std::string& text) {
  if (m_stack.size() > k_max_depth) {
    return error(at, fmt::format("control structures nested deeper than {}", k_max_depth));
  }
  size_t variables = m_variables.size();
  auto pipe = pipeline(keyword, Token::Kind::end, keyword == "range");
  if (!pipe) {
    return tl::unexpected(pipe.error());
  }
  auto node = std::make_unique<TemplateNode>();
  node->kind = keyword == "if"     ? TemplateNode::Kind::if_
               : keyword == "with" ? TemplateNode::Kind::with
                                   : TemplateNode::Kind::range;
  node->pipe = std::move(*pipe);
  node->at = at;
  node->text = text;
  TemplateNode* raw = node.get();
  into.push_back(std::move(node));
  m_stack.push_back(Frame{raw, false, chained, variables});
  return true;
}

util::Result<bool> Parser::parse(const std::vector<detail::Segment>& segments,
                                 std::vector<std::unique_ptr<TemplateNode>>& top) {
  for (const auto& segment : segments) {
    if (!segment.is_action) {
      auto node = std::make_unique<TemplateNode>();
      node->text = segment.text;
      node->at = segment.at;
      current(top).push_back(std::move(node));
      continue;
    }
    m_tokens = &segment.tokens;
    m_pos = 0;
    m_parens = 0;
    const Token& first = peek();
    std::string word = first.kind == Token::Kind::identifier ? first.text : "";
    auto expect_end = [&](const std::string& what) -> util::Result<bool> {
      if (peek().kind != Token::Kind::end) {
        return error(peek().at, "unexpected " + util::quote(peek().text) + " in " + what);
      }
      return true;
    };
    util::Result<bool> done = true;
    if (word == "if" || word == "with" || word == "range") {
      next();
      done = control(word, current(top), false, segment.at, segment.text);
    } else if (word == "else") {
      next();
      Frame& frame = m_stack.back();
      if (!frame.node || frame.in_else) {
        return error(segment.at, "unexpected {{else}}");
      }
      frame.in_else = true;
      std::string then = peek().kind == Token::Kind::identifier ? peek().text : "";
      if (then == "if" || then == "with") {
        auto kind = then == "if" ? TemplateNode::Kind::if_ : TemplateNode::Kind::with;
        if (frame.node->kind != kind) {
          return error(segment.at, "{{else " + then + "}} is only allowed in {{" + then + "}}");
        }
        next();
        done = control(then, frame.node->otherwise, true, segment.at, segment.text);
      } else {
        done = expect_end("{{else}}");
      }
    } else if (word == "end") {
      next();
      if (!m_stack.back().node) {
        return error(segment.at, "unexpected {{end}}");
      }
      done = expect_end("{{end}}");
      while (m_stack.back().chained) {
        m_stack.pop_back();
      }
      m_variables.resize(m_stack.back().variables);
      m_stack.pop_back();
    } else if (word == "break" || word == "continue") {
      next();
      if (range_depth() == 0) {
        return error(segment.at, "{{" + word + "}} outside {{range}}");
      }
      auto node = std::make_unique<TemplateNode>();
      node->kind = word == "break" ? TemplateNode::Kind::break_ : TemplateNode::Kind::continue_;
      node->at = segment.at;
      current(top).push_back(std::move(node));
      done = expect_end("{{" + word + "}}");
    } else if (word == "define" || word == "template" || word == "block") {
      return error(segment.at, "{{" + word + "}} is not supported (one template per file)");
    } else {
      auto pipe = pipeline("command", Token::Kind::end);
      if (!pipe) {
        return tl::unexpected(pipe.error());
      }
      auto node = std::make_unique<TemplateNode>();
      node->kind = TemplateNode::Kind::action;
      node->pipe = std::move(*pipe);
      node->at = segment.at;
      node->text = segment.text;
      current(top).push_back(std::move(node));
    }
    if (!done) {
      return done;
    }
  }
  if (m_stack.back().node) {
    const TemplateNode* open = m_stack.back().node;
    while (m_stack.back().chained) {
      m_stack.pop_back();
    }
    open = m_stack.back().node;
    const char* what = open->kind == TemplateNode::Kind::if_    ? "if"
                       : open->kind == TemplateNode::Kind::with ? "with"
                                                                : "range";
    return error(open->at,
                 fmt::format("unexpected EOF: {{{{{}}}}} is never closed with {{{{end}}}}", what));
  }
  return true;
}

} // namespace

Template::Template() = default;
Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

util::Result<Template> parse_template(std::string_view text, std::string_view name) {
  Template result;
  result.m_name = std::string(name);
  auto segments = detail::scan_template(text);
  if (!segments) {
    return util::fail(util::ErrorKind::config,
                      fmt::format("template: {}:{}", name, segments.error().message));
  }
  Parser parser(name);
  auto parsed = parser.parse(*segments, result.m_nodes);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  return result;
}

} // namespace argoimg::git
