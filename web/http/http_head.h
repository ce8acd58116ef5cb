// One request head in the bytes a connection received: where it ends, whether it is acceptable,
// and its parse into a BufferedRequest by Poco's HTTPRequest::read (never by us). The checks here
// are the strictness Poco leaves out: CRLF line ends only, no control bytes, no folded or
// colon-less header lines (Poco skips those silently), header names that are tokens, one
// Content-Length of digits only, no Transfer-Encoding (411: request bodies are never chunked
// here), HTTP/1.0 or 1.1 with a Host, an origin-form target.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace sendflow::web {

struct HeadLimits {
  std::size_t maxHeadBytes = 32768;    // a longer head: 431
  std::size_t maxBodyBytes = 1 << 20;  // a longer Content-Length: 413, before any body is read
};

struct HeadResult {
  enum class Outcome { kIncomplete, kReady, kRefused };
  Outcome outcome = Outcome::kIncomplete;
  int status = 0;               // kRefused: 400, 411, 413, 417, 431, 505
  std::string reason;           // kRefused: for the answer and the log (never request text)
  std::size_t headBytes = 0;    // kReady: the head's length, blank line included
  std::size_t bodyBytes = 0;    // kReady: Content-Length (0 without one)
  bool expectContinue = false;  // kReady: the client waits for 100 Continue before the body
};

// Blank lines a client may send between requests (RFC 9112 2.2): how many leading bytes of `in`
// are CR or LF.
std::size_t leadingBlankBytes(std::string_view in);

// Looks for a complete head at the start of `in` (after leadingBlankBytes) and, when one is
// there, checks and parses it into `request`. `scanned`: how many bytes of `in` earlier calls
// already looked at (0 for a new head); updated, so that a head trickling in is not rescanned.
HeadResult readHead(std::string_view in, const HeadLimits& limits, BufferedRequest& request,
                    std::size_t& scanned);

}  // namespace sendflow::web
