// SPDX-License-Identifier: Apache-2.0
// Parsing of Go's text/template (see template.hpp for what is supported): text, actions and
// control structures; template_parse_pipeline.cpp parses what is inside an action.

#include "git/template.hpp"

#include "git/template_detail.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::git::detail {

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

} // namespace argoimg::git::detail

namespace argoimg::git {

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
  detail::Parser parser(name);
  auto parsed = parser.parse(*segments, result.m_nodes);
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  return result;
}

} // namespace argoimg::git
