// SPDX-License-Identifier: Apache-2.0
#pragma once

// util owns the vocabulary every module shares: errors, strings, logging. It depends on the
// standard library, fmt and tl::expected only.

#include <tl/expected.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace argoimg::util {

// What went wrong, so callers can branch (retry on `auth`, give up on `not_found`) without
// parsing messages.
enum class ErrorKind {
  invalid_input, // bad user input: a reference, a constraint, a YAML file
  config,        // bad configuration: flags, registries.conf, templates
  not_found,     // the registry or server says the thing does not exist
  auth,          // credentials missing, rejected or insufficient
  network,       // connection failures, malformed or oversized responses
  timeout,
  io,
  conflict,
  unsupported, // a path that is not implemented yet; says so instead of pretending
  internal,
};

// An expected failure: a kind plus a lowercase message without the "argoimg: error:" prefix.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
};

template <typename T> using Result = tl::expected<T, Error>;

// Return an unexpected `Error` of `kind` with `message`, for `return fail(...)` in functions
// returning any `Result<T>`.
inline tl::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}

// Return `error` with `context` prepended as "context: message", keeping its kind.
inline Error with_context(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

// Return the stable lowercase name of `kind` ("invalid-input", "auth", ...), for JSON output.
std::string_view to_string(ErrorKind kind);

} // namespace argoimg::util
