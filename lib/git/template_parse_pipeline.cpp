// SPDX-License-Identifier: Apache-2.0
// Parsing of one action's pipeline: declarations, commands and operands.

#include "git/template_detail.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::git::detail {

namespace {

const std::vector<std::string> k_keywords = {
    "if", "else", "end", "range", "with", "break", "continue", "define", "template", "block"};

bool is_keyword(const std::string& word) {
  return std::find(k_keywords.begin(), k_keywords.end(), word) != k_keywords.end();
}

} // namespace

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

} // namespace argoimg::git::detail
