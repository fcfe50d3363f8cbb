// SPDX-License-Identifier: Apache-2.0
#pragma once

// The parsed form of a Template and the pieces its files share: template_lex.cpp (tokens),
// template.cpp (parser), template_render.cpp (execution), template_functions.cpp (built-in
// functions) and template_format.cpp (Go's fmt for print/printf and output).

#include "git/template.hpp"

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
