#include "http/http_message.h"

#include <Poco/FileStream.h>
#include <Poco/JSON/Object.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>

#include <map>

#include "http/http.h"

namespace sendflow::web {
namespace {

using Poco::Net::HTTPResponse;

bool isTokenChar(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The API's error shape, with a code for each status the front end answers itself.
std::string jsonError(int status, const std::string& message) {
  static const std::map<int, const char*> codes = {
      {400, "bad_request"},          {408, "request_timeout"},    {411, "length_required"},
      {413, "payload_too_large"},    {417, "expectation_failed"}, {429, "too_many_requests"},
      {431, "headers_too_large"},    {500, "internal"},           {503, "unavailable"},
      {505, "version_not_supported"}};
  const auto it = codes.find(status);
  Poco::JSON::Object error, outer;
  error.set("code", it == codes.end() ? "error" : it->second);
  error.set("message", message);
  outer.set("error", error);
  std::ostringstream out;
  outer.stringify(out);
  return out.str();
}

std::string headBytes(const HTTPResponse& r) {
  std::ostringstream out;
  r.write(out);
  return out.str();
}

}  // namespace

bool headerIsSafe(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (char c : name)
    if (!isTokenChar(c)) return false;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) return false;
  }
  return true;
}

std::string plainResponse(int status, const std::string& message, bool https, bool keepAlive,
                          int retryAfterSeconds, bool json) {
  HTTPResponse r(static_cast<HTTPResponse::HTTPStatus>(status));
  r.setVersion(HTTPResponse::HTTP_1_1);
  securityHeaders(r, https);
  r.setDate(Poco::Timestamp());
  if (retryAfterSeconds > 0) r.set("Retry-After", std::to_string(retryAfterSeconds));
  const std::string body = json ? jsonError(status, message) : message + "\n";
  r.setContentType(json ? "application/json; charset=utf-8" : "text/plain; charset=utf-8");
  r.setContentLength64(static_cast<Poco::UInt64>(body.size()));
  r.setKeepAlive(keepAlive);
  return headBytes(r) + body;
}

// --- BufferedRequest ----------------------------------------------------------------------

BufferedRequest::BufferedRequest(const Poco::Net::SocketAddress& client,
                                 const Poco::Net::SocketAddress& server, bool secure)
    : client_(client),
      server_(server),
      secure_(secure),
      stream_(std::make_unique<Poco::MemoryInputStream>(body_.data(), 0)) {}

void BufferedRequest::setBody(std::string body) {
  body_ = std::move(body);
  stream_ = std::make_unique<Poco::MemoryInputStream>(body_.data(), body_.size());
}

const Poco::Net::HTTPServerParams& BufferedRequest::serverParams() const {
  static const Poco::AutoPtr<Poco::Net::HTTPServerParams> params(new Poco::Net::HTTPServerParams);
  return *params;
}

// --- BufferedResponse ---------------------------------------------------------------------

BufferedResponse::BufferedResponse(BufferedRequest& request) {
  request.setResponse(*this);
  setVersion(request.getVersion() == HTTP_1_0 ? HTTP_1_0 : HTTP_1_1);
}

std::ostream& BufferedResponse::send() {
  sent_ = true;
  return body_;
}

void BufferedResponse::sendFile(const std::string& path, const std::string& mediaType) {
  Poco::FileInputStream in(path);
  setContentType(mediaType);
  Poco::StreamCopier::copyStream(in, send());
}

void BufferedResponse::sendBuffer(const void* buffer, std::size_t length) {
  send().write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
}

void BufferedResponse::redirect(const std::string& uri, HTTPStatus status) {
  setStatusAndReason(status);
  set("Location", uri);  // checked like every header when the response is serialised
  setContentLength(0);
  send();
}

void BufferedResponse::requireAuthentication(const std::string& realm) {
  std::string value = "Basic realm=";
  quote(realm, value);
  setStatusAndReason(HTTP_UNAUTHORIZED);
  set("WWW-Authenticate", value);
  setContentLength(0);
  send();
}

std::string BufferedResponse::serialize(bool headOnly, bool keepAlive, bool https,
                                        std::string* refusedHeader) {
  if (!sent_) send();  // a handler that answered nothing: an empty 200, as Poco's server sends
  const int status = static_cast<int>(getStatus());
  const bool upgrade = status == HTTP_SWITCHING_PROTOCOLS;
  const bool noBody = status < 200 || status == 204 || status == 304;
  // Moved out of the stream (C++20), not copied: serialize is the response's last step.
  const std::string body = noBody ? std::string() : std::move(body_).str();
  if (!noBody) setContentLength64(static_cast<Poco::UInt64>(body.size()));
  if (!upgrade) setKeepAlive(keepAlive);
  setDate(Poco::Timestamp());
  for (const auto& [name, value] : *this) {
    if (!headerIsSafe(name, value)) {
      if (refusedHeader) *refusedHeader = name;
      return plainResponse(500, "Something went wrong on our side.", https, false);
    }
  }
  std::string bytes = headBytes(*this);
  if (!headOnly) {
    bytes.reserve(bytes.size() + body.size());
    bytes += body;
  }
  return bytes;
}

}  // namespace sendflow::web
