// SPDX-License-Identifier: Apache-2.0
#pragma once

// The parsed form of a Template and the pieces its files share: template_lex.cpp (tokens) and
// template_literal.cpp (string and number literals), template.cpp and
// template_parse_pipeline.cpp (parser), template_render.cpp and template_evaluate.cpp
// (execution), template_functions.cpp and template_escape.cpp (built-in functions),
// template_format.cpp and template_printf.cpp (Go's fmt for print/printf and output).

#include "git/template.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace argoimg::git::detail {

struct Position {
  int line = 1;
  int column = 1;
};

// One token inside an action.
struct Token {
  enum class Kind {
    identifier, // a function name or a keyword
    field,      // ".Name"
    variable,   // "$name" or "$"
    dot,        // "."
    string,     // a quoted or raw string, unquoted
    number,     // an integer, or a character constant
    boolean,
    nil,
    pipe,    // |
    lparen,  // (
    rparen,  // )
    declare, // :=
    assign,  // =
    comma,   // ,
    end,     // the end of the action
  };
  Kind kind = Kind::end;
  std::string text; // as written, except for strings (unquoted)
  int64_t number = 0;
  bool spaced = false; // preceded by white space (`.A .B` is not `.A.B`)
  Position at;
};

// A piece of template text: literal text or the tokens of one action (comments dropped).
struct Segment {
  bool is_action = false;
  std::string text;          // text, or the action's source (for error context)
  std::vector<Token> tokens; // action: ends with Kind::end
  Position at;
};

// Split `source` into text and actions, applying trim markers. Errors: `line:col: what`.
util::Result<std::vector<Segment>> scan_template(std::string_view source);

// Go's strconv.Unquote of the body of a "..." or '...' literal; false on a bad escape.
bool unquote(std::string_view body, char quote, std::string& out);
// An integer literal as Go writes them; false when it is not one or does not fit an int64.
bool parse_integer(std::string_view text, int64_t& out);

struct Pipe;

// One operand: a literal, `.`, `.A.B`, `$x.A`, a function name, or `( pipeline ).A`.
struct Operand {
  enum class Kind { literal, nil, dot, field, variable, function, pipe };
  Kind kind = Kind::literal;
  TemplateValue literal;
  std::string name;                // variable ("$x") or function name
  std::vector<std::string> fields; // the field chain after it
  std::shared_ptr<Pipe> pipe;      // parenthesised pipeline
  Position at;
  std::string text; // as written, for errors
};

struct Command {
  std::vector<Operand> args;
  Position at;
};

struct Pipe {
  std::vector<std::string> declared; // variables declared or assigned ($i, $v)
  bool is_assign = false;            // `=` rather than `:=`
  std::vector<Command> commands;
  Position at;
};

} // namespace argoimg::git::detail

namespace argoimg::git {

struct TemplateNode {
  enum class Kind { text, action, if_, with, range, break_, continue_ };
  Kind kind = Kind::text;
  std::string text; // text; for actions the source, for errors
  detail::Pipe pipe;
  detail::Position at;
  std::vector<std::unique_ptr<TemplateNode>> body;
  std::vector<std::unique_ptr<TemplateNode>> otherwise; // else (may hold one if_/with: else if)
};

} // namespace argoimg::git

namespace argoimg::git::detail {

// Append `rune` as UTF-8 (U+FFFD for what is not a rune).
void append_rune(std::string& out, uint32_t rune);
// Decode the UTF-8 rune at `text[i]` and its `size`; an invalid byte gives 0xFFFFFFFF, size 1.
uint32_t decode_rune(std::string_view text, size_t i, size_t& size);

// Go's names of built-in functions, in the order docs list them.
const std::vector<std::string>& builtin_names();

// Call built-in `name` (`and`/`or` without short-circuit: execution does that) with `args`;
// a string result longer than `limit` bytes is an error. Errors are Go's text after "error
// calling <name>: ", or Go's arity message ("wrong number of args for ...").
util::Result<TemplateValue>
call_builtin(const std::string& name, const std::vector<TemplateValue>& args, size_t limit);

// Go's template.HTMLEscapeString, template.JSEscapeString and url.QueryEscape.
std::string html_escape(const std::string& text);
std::string js_escape(const std::string& text);
std::string query_escape(const std::string& text);

// The flags, width and precision of one verb.
struct Spec {
  bool plus = false;
  bool minus = false;
  bool sharp = false;
  bool space = false;
  bool zero = false;
  int64_t width = -1;     // -1: none
  int64_t precision = -1; // -1: none
};

// How Go's fmt prints `value` with `verb` and `spec` (bad verbs as `%!verb(type=value)`).
std::string format_value(const TemplateValue& value, uint32_t verb, const Spec& spec);

// fmt.Sprint, fmt.Sprintln and fmt.Sprintf of `args` (Go's %v and verbs %s %d %v %q %x %X %t
// %c %o %b %T %%, flags, width and precision; Go's `%!verb(type=value)` for a mismatch).
// go_sprintf stops with an error once its output passes `limit` bytes.
std::string go_sprint(const std::vector<TemplateValue>& args);
std::string go_sprintln(const std::vector<TemplateValue>& args);
util::Result<std::string>
go_sprintf(const std::string& format, const std::vector<TemplateValue>& args, size_t limit);

// How an action prints `value`: %v, and "<no value>" for no value.
std::string print_value(const TemplateValue& value);

// Go's name of the type of `value` in messages: string, bool, int, []interface {}, ...
std::string type_name(const TemplateValue& value);

} // namespace argoimg::git::detail

namespace argoimg::git::detail {

// The parser: template.cpp (text, actions, control structures) and template_parse_pipeline.cpp.

// Nesting of control structures and of parentheses: deeper templates are refused, so that
// neither parsing nor execution can exhaust the stack.
constexpr size_t k_max_depth = 100;

// An open control structure while parsing.
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

// The executor: template_render.cpp (nodes, control flow) and template_evaluate.cpp (pipelines).

using Nodes = std::vector<std::unique_ptr<TemplateNode>>;

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

} // namespace argoimg::git::detail
