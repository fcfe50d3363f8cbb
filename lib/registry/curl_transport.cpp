// SPDX-License-Identifier: Apache-2.0
#include "registry/curl_transport.hpp"

#include "util/bounded_file.hpp"
#include "util/strings.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

namespace argoimg::registry {

namespace {

constexpr const char* k_system_ca_dir = "/etc/ssl/certs";

struct Transfer {
  HttpResponse response;
  size_t max_body = 0;
  bool too_large = false;
  bool head = false; // a HEAD's Content-Length describes a body that never comes
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (transfer->response.body.size() + n > transfer->max_body) {
    transfer->too_large = true;
    return 0; // aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    transfer->response.headers.clear(); // a new response after a redirect or 100-continue
    return n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = util::to_lower(util::trim(line.substr(0, colon)));
    std::string_view value = util::trim(line.substr(colon + 1));
    if (name == "content-length" && !transfer->head) {
      // Refuse an announced oversized body before reading a byte of it (an unparsable or
      // overflowing length counts as oversized).
      uint64_t length = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (error != std::errc() || end != value.data() + value.size()
          || length > transfer->max_body) {
        transfer->too_large = true;
        return 0; // aborts the transfer
      }
    }
    transfer->response.headers.emplace_back(std::move(name), std::string(value));
  }
  return n;
}

struct GlobalInit {
  GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~GlobalInit() { curl_global_cleanup(); }
};

} // namespace

RedirectPolicy redirect_policy(std::string_view method, std::string_view url) {
  RedirectPolicy policy;
  policy.follow = method == "GET" || method == "HEAD";
  policy.protocols = util::to_lower(url.substr(0, 8)) == "https://" ? "https" : "http,https";
  return policy;
}

struct CurlTransport::Impl {
  CurlOptions options;
  const util::Logger& logger;
  CURLSH* share = nullptr;
  std::mutex share_locks[CURL_LOCK_DATA_LAST];
  std::mutex pool_mutex;
  std::vector<CURL*> idle;

  Impl(CurlOptions opts, const util::Logger& log) : options(std::move(opts)), logger(log) {
    static GlobalInit init;
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    // Connections stay with their handle: each worker thread reuses its pooled handle, and a
    // shared connection cache would serialise 16 threads on one lock for no gain.
  }

  ~Impl() {
    for (CURL* handle : idle) {
      curl_easy_cleanup(handle);
    }
    curl_share_cleanup(share);
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[data].unlock();
  }

  CURL* acquire() {
    std::lock_guard<std::mutex> guard(pool_mutex);
    if (!idle.empty()) {
      CURL* handle = idle.back();
      idle.pop_back();
      return handle;
    }
    CURL* handle = curl_easy_init();
    curl_easy_setopt(handle, CURLOPT_SHARE, share);
    return handle;
  }

  void release(CURL* handle) {
    std::lock_guard<std::mutex> guard(pool_mutex);
    idle.push_back(handle);
  }
};

CurlTransport::CurlTransport(CurlOptions options, const util::Logger& logger)
    : m_impl(std::make_unique<Impl>(std::move(options), logger)) {}

CurlTransport::~CurlTransport() = default;

util::Result<HttpResponse> CurlTransport::send(const HttpRequest& request) {
  if (!request.ca_file.empty()) { // curl would block on a FIFO
    if (auto regular = util::require_regular_file(request.ca_file); !regular) {
      return util::fail(util::ErrorKind::config, "ca_file " + regular.error().message);
    }
  }
  CURL* handle = m_impl->acquire();
  curl_easy_reset(handle);
  curl_easy_setopt(handle, CURLOPT_SHARE, m_impl->share);
  Transfer transfer;
  transfer.max_body = request.max_body;
  transfer.head = request.method == "HEAD";
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, m_impl->options.user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, m_impl->options.connect_timeout_ms);
  long timeout_ms = m_impl->options.total_timeout_ms;
  if (request.timeout.count() > 0 && (timeout_ms <= 0 || request.timeout.count() < timeout_ms)) {
    timeout_ms = static_cast<long>(request.timeout.count());
  }
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  RedirectPolicy redirects = redirect_policy(request.method, request.url);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, redirects.follow ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, redirects.protocols);
  curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    // POST, PUT and PATCH all carry their body the same way; only the verb differs.
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(
        handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }
  if (!request.ca_pem.empty() || !request.ca_file.empty()) {
    // A custom bundle replaces curl's CA file; the system CA directory keeps the public CAs.
    if (!request.ca_pem.empty()) {
      curl_blob blob{
          const_cast<char*>(request.ca_pem.data()), request.ca_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(handle, CURLOPT_CAINFO_BLOB, &blob);
    } else {
      curl_easy_setopt(handle, CURLOPT_CAINFO, request.ca_file.c_str());
    }
    if (std::filesystem::is_directory(k_system_ca_dir)) {
      curl_easy_setopt(handle, CURLOPT_CAPATH, k_system_ca_dir);
    }
  }
  if (!request.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(request.client_cert_pem.data()),
                   request.client_cert_pem.size(),
                   CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(request.client_key_pem.data()),
                  request.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(handle, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(handle, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(handle, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(handle, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (!request.verify_tls) {
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  auto started = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(handle);
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  curl_slist_free_all(headers);
  m_impl->release(handle);

  std::string shown_url = redact_url(request.url);
  if (m_impl->logger.enabled(util::LogLevel::debug)) {
    m_impl->logger.debug(fmt::format("http: {} {} -> {} ({} bytes, {} ms)",
                                     request.method,
                                     shown_url,
                                     transfer.response.status,
                                     transfer.response.body.size(),
                                     elapsed_ms));
  }
  if (code == CURLE_OK) {
    return std::move(transfer.response);
  }
  std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  if (transfer.too_large) {
    return util::fail(
        util::ErrorKind::invalid_input,
        fmt::format(
            "{} {}: response larger than {} bytes", request.method, shown_url, request.max_body));
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return util::fail(util::ErrorKind::timeout,
                      fmt::format("{} {}: timed out ({})", request.method, shown_url, detail));
  }
  return util::fail(util::ErrorKind::network,
                    fmt::format("{} {}: {}", request.method, shown_url, detail));
}

} // namespace argoimg::registry
