#include "http/http_head.h"

#include <Poco/MemoryStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/String.h>

#include <algorithm>
#include <charconv>

namespace sendflow::web {
namespace {

using Outcome = HeadResult::Outcome;

HeadResult refused(int status, std::string reason) {
  HeadResult r;
  r.outcome = Outcome::kRefused;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

// Bytes no head may hold: control characters other than CR, LF and tab, and DEL.
bool forbiddenByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\r' && c != '\n' && c != '\t') || u == 0x7F;
}

// Line structure of a complete head (terminator included): CRLF ends only, no obsolete line
// folding, a colon on every header line. "" when acceptable, else what is wrong.
std::string lineProblem(std::string_view head) {
  std::size_t start = 0;
  bool first = true;
  while (start < head.size()) {
    const std::size_t lf = head.find('\n', start);
    if (lf == std::string_view::npos || lf == start || head[lf - 1] != '\r')
      return "a line of the request head does not end in CRLF";
    const std::string_view line = head.substr(start, lf - 1 - start);
    if (line.find('\r') != std::string_view::npos) return "the request head holds a bare CR";
    if (line.empty()) break;  // the blank line that ends the head
    if (first && (std::count(line.begin(), line.end(), ' ') != 2 ||
                  line.find('\t') != std::string_view::npos))
      return "the request line is not METHOD SP TARGET SP VERSION";
    if (!first && (line.front() == ' ' || line.front() == '\t'))
      return "folded header lines are not accepted";
    if (!first && line.find(':') == std::string_view::npos) return "a header line has no colon";
    first = false;
    start = lf + 1;
  }
  return "";
}

bool isToken(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::size_t count(const BufferedRequest& r, const std::string& name) {
  std::size_t n = 0;
  for (auto it = r.find(name); it != r.end() && Poco::icompare(it->first, name) == 0; ++it) ++n;
  return n;
}

// Request line and headers as Poco parsed them: what HTTP/1.1 allows and sendflow serves.
std::string semanticProblem(const BufferedRequest& r, int& status) {
  status = 400;
  const std::string& v = r.getVersion();
  if (v != "HTTP/1.1" && v != "HTTP/1.0") {
    if (v.size() == 8 && v.rfind("HTTP/", 0) == 0) status = 505;
    return "the HTTP version is not supported";
  }
  const std::string& method = r.getMethod();
  if (!isToken(method) || Poco::toUpper(method) != method) return "the method is malformed";
  if (r.getURI().empty() || r.getURI().front() != '/') return "the request target is not a path";
  for (const auto& [name, value] : r) {
    if (!isToken(name)) return "a header name is malformed";
    for (char c : value)
      if (forbiddenByte(c)) return "a header value holds a control character";
  }
  if (count(r, "Host") > 1 || (v == "HTTP/1.1" && count(r, "Host") == 0))
    return "the request needs exactly one Host header";
  return "";
}

// Content-Length, Transfer-Encoding and Expect: how the body will come, or a refusal.
HeadResult bodyFraming(const BufferedRequest& r, const HeadLimits& limits, HeadResult ok) {
  if (r.has("Transfer-Encoding"))
    return refused(
        411, "Send the request body with a Content-Length (chunked bodies are not accepted).");
  const std::size_t lengths = count(r, "Content-Length");
  if (lengths > 1) return refused(400, "The request has more than one Content-Length.");
  if (lengths == 1) {
    const std::string& text = r.get("Content-Length");
    unsigned long long n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || text.size() > 18 || ec != std::errc() || end != text.data() + text.size())
      return refused(400, "The Content-Length is not a number.");
    if (n > limits.maxBodyBytes)
      return refused(413, "The request is too large. The limit is " +
                              std::to_string(limits.maxBodyBytes / 1024) + " KiB.");
    ok.bodyBytes = static_cast<std::size_t>(n);
  }
  if (r.has("Expect")) {
    if (Poco::icompare(r.get("Expect"), "100-continue") != 0)
      return refused(417, "Only Expect: 100-continue is understood.");
    ok.expectContinue = ok.bodyBytes > 0;
  }
  return ok;
}

}  // namespace

std::size_t leadingBlankBytes(std::string_view in) {
  std::size_t n = 0;
  while (n < in.size() && (in[n] == '\r' || in[n] == '\n')) ++n;
  return n;
}

HeadResult readHead(std::string_view in, const HeadLimits& limits, BufferedRequest& request,
                    std::size_t& scanned) {
  const std::string_view window = in.substr(0, limits.maxHeadBytes);
  const std::size_t from = std::min(scanned, window.size());
  const std::size_t end = window.find("\r\n\r\n", from < 3 ? 0 : from - 3);
  // Only the head's own bytes are judged: what follows the blank line is the body (or the next
  // request), which may hold line breaks and any byte at all.
  const std::size_t headEnd = end == std::string_view::npos ? window.size() : end + 4;
  for (std::size_t i = from; i < headEnd; ++i) {
    if (forbiddenByte(window[i]))
      return refused(400, "The request head holds a control character.");
    const bool bareLf = window[i] == '\n' && (i == 0 || window[i - 1] != '\r');
    const bool bareCr = window[i] == '\r' && i + 1 < headEnd && window[i + 1] != '\n';
    if (bareLf || bareCr) return refused(400, "The request is malformed: lines must end in CRLF.");
  }
  scanned = !window.empty() && window.back() == '\r' ? window.size() - 1 : window.size();
  if (end == std::string_view::npos) {
    if (in.size() >= limits.maxHeadBytes)
      return refused(431, "The request head is too large. The limit is " +
                              std::to_string(limits.maxHeadBytes / 1024) + " KiB.");
    return {};
  }
  const std::string_view head = window.substr(0, end + 4);
  if (auto problem = lineProblem(head); !problem.empty())
    return refused(400, "The request is malformed: " + problem + ".");
  try {
    Poco::MemoryInputStream stream(head.data(), head.size());
    request.setFieldLimit(0);  // the byte limit above bounds the head
    request.read(stream);
  } catch (const Poco::Exception&) {
    return refused(400, "The request could not be read as HTTP.");
  }
  int status = 400;
  if (auto problem = semanticProblem(request, status); !problem.empty())
    return refused(status, "The request is malformed: " + problem + ".");
  HeadResult ok;
  ok.outcome = Outcome::kReady;
  ok.headBytes = head.size();
  return bodyFraming(request, limits, ok);
}

}  // namespace sendflow::web
