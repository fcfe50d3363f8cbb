// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace argoimg::util {

// An optional string in 8 bytes for a field that is usually unset, in structures a run holds
// thousands of times (an image's configuration and result): `std::optional<std::string>`
// takes 40 bytes set or not, this one a pointer, and a heap string only when set. It reads
// and assigns as `std::optional<std::string>` does and converts to one.
class RareString {
public:
  // Implicit, as std::optional converts: assignments of strings and optionals read the same.
  RareString() = default;
  RareString(std::nullopt_t) {}
  RareString(std::string value) : m_value(std::make_unique<std::string>(std::move(value))) {}
  RareString(const char* value) : RareString(std::string(value)) {}
  RareString(std::string_view value) : RareString(std::string(value)) {}
  RareString(const std::optional<std::string>& value) {
    if (value) {
      m_value = std::make_unique<std::string>(*value);
    }
  }
  RareString(std::optional<std::string>&& value) {
    if (value) {
      m_value = std::make_unique<std::string>(std::move(*value));
    }
  }
  RareString(const RareString& other)
      : m_value(other.m_value ? std::make_unique<std::string>(*other.m_value) : nullptr) {}
  RareString(RareString&&) noexcept = default;
  RareString& operator=(const RareString& other) {
    if (this != &other) {
      m_value = other.m_value ? std::make_unique<std::string>(*other.m_value) : nullptr;
    }
    return *this;
  }
  RareString& operator=(RareString&&) noexcept = default;
  ~RareString() = default;

  operator std::optional<std::string>() const {
    return m_value ? std::optional<std::string>(*m_value) : std::nullopt;
  }

  bool has_value() const { return m_value != nullptr; }
  explicit operator bool() const { return has_value(); }
  // As for std::optional, these require a value.
  const std::string& operator*() const { return *m_value; }
  std::string& operator*() { return *m_value; }
  const std::string* operator->() const { return m_value.get(); }
  std::string* operator->() { return m_value.get(); }
  const std::string& value() const { return *m_value; }
  std::string value_or(std::string fallback) const {
    return m_value ? *m_value : std::move(fallback);
  }
  void reset() { m_value.reset(); }
  std::string& emplace(std::string value) {
    m_value = std::make_unique<std::string>(std::move(value));
    return *m_value;
  }

  friend bool operator==(const RareString& a, const RareString& b) {
    return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
  }
  friend bool operator==(const RareString& a, const std::optional<std::string>& b) {
    return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
  }
  friend bool operator==(const RareString& a, std::string_view b) {
    return a.has_value() && *a == b;
  }
  friend bool operator==(const RareString& a, const char* b) { return a.has_value() && *a == b; }
  friend bool operator==(const RareString& a, std::nullopt_t) { return !a.has_value(); }

private:
  std::unique_ptr<std::string> m_value;
};

} // namespace argoimg::util
