// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

namespace argoimg::cmd {

// rapidjson's output stream over an ostream, written in 64 KiB pieces: OStreamWrapper hands
// every character to the ostream, one call per byte of a report of tens of megabytes.
class ChunkedStream {
public:
  using Ch = char;
  explicit ChunkedStream(std::ostream& out) : m_out(out) { m_buffer.reserve(k_chunk); }
  ChunkedStream(const ChunkedStream&) = delete;
  ChunkedStream& operator=(const ChunkedStream&) = delete;
  ~ChunkedStream() { Flush(); }
  void Put(char c) {
    m_buffer.push_back(c);
    if (m_buffer.size() == k_chunk) {
      Flush();
    }
  }
  void Flush() {
    m_out.write(m_buffer.data(), static_cast<std::streamsize>(m_buffer.size()));
    m_buffer.clear();
  }

private:
  static constexpr size_t k_chunk = 64 * 1024;
  std::ostream& m_out;
  std::string m_buffer;
};

} // namespace argoimg::cmd
