// SPDX-License-Identifier: Apache-2.0
#pragma once

// writeback owns changing files without collateral damage: it edits YAML text at the byte
// spans of the changed scalars, never re-emits a tree, and proves afterwards that nothing else
// changed. Pure text -> text; it depends on util, image and app (model types).

#include "util/result.hpp"

#include <string>
#include <string_view>

namespace argoimg::writeback {

enum class QuoteStyle { plain, single, double_quoted };

// Where a scalar's text is in a file.
struct ScalarSpan {
  size_t begin = 0;
  size_t end = 0; // one past the last byte
  QuoteStyle style = QuoteStyle::plain;
};

// Where a scalar is: inside a flow collection `,]}` end a plain scalar, in block context not.
enum class ScalarContext { block, flow };

// Find the extent of the scalar that starts at byte `pos` of `text`. Block scalars (`|`, `>`)
// and multi-line plain or quoted scalars are refused: they are not single values to patch.
util::Result<ScalarSpan>
scalar_span(std::string_view text, size_t pos, ScalarContext context = ScalarContext::flow);

// Return true if `value` written plain would read back as something else: a number, boolean,
// null, an indicator at the start, ": " or " #" inside, a flow indicator (`,[]{}`) anywhere
// (it would end the value inside a flow collection), surrounding spaces, or empty.
bool needs_quotes(std::string_view value);

// Render `value` for a scalar of style `style`: plain stays plain when safe, else it is quoted
// with `fallback` (the file's usual quote); quoted styles keep their quote, escaped.
std::string render_scalar(std::string_view value, QuoteStyle style, QuoteStyle fallback);

// The quote a file mostly uses for quoted values (double when it uses none).
QuoteStyle preferred_quote(std::string_view text);

} // namespace argoimg::writeback
