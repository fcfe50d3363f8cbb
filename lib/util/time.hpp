// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::util {

// Parse an RFC 3339 timestamp (`2024-05-01T12:00:00.123456789Z`, or with a `+hh:mm` offset)
// into nanoseconds since the Unix epoch; nullopt when malformed or outside what int64
// nanoseconds hold (1677-09-21 to 2262-04-11).
std::optional<int64_t> parse_rfc3339(std::string_view text);

// Parse an HTTP date in the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`, as Retry-After
// and Date carry it; surrounding whitespace ignored) into seconds since the Unix epoch; nullopt
// for anything else, the obsolete RFC 850 and asctime forms included.
std::optional<int64_t> parse_http_date(std::string_view text);

// Format seconds since the Unix epoch as RFC 3339 in UTC, `2026-12-05T22:00:00Z` (no time zone
// database, no locale).
std::string format_utc(int64_t seconds);

} // namespace argoimg::util
