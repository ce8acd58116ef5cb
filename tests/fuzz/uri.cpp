// Fuzz target: request targets and percent-decoding, as the server meets them. The request head
// goes through readHead() (web/http/http_head.h: the event loop's own checks, then Poco's
// HTTPRequest::read); an accepted target is split as Pipeline::handle() does (decodeRequestPath,
// routed by Router::match) and its query decoded as Exchange::query() does (decodeFormFields).
// The same bytes are
// also tried as a login `next` value (localRedirectTarget(), isLocalPath()).
//
// First byte even: the rest is a request target inside "GET <target> HTTP/1.1" with a Host.
// Odd: the rest is the raw bytes a connection sent, also fed in two pieces to check that reading
// a head that trickles in gives the same answer as reading it whole, and cut after the head to
// check that what follows a head (a body, the next request) does not change the verdict on it.
#include <Poco/Net/SocketAddress.h>

#include "fuzz_support.h"
#include "http/http.h"
#include "http/http_head.h"
#include "http/http_message.h"
#include "http/url_decoding.h"

using namespace sendflow;

namespace {

const web::Router& router() {
  static const web::Router r = [] {
    web::Router out;
    auto none = [](web::Exchange&) {};
    for (const char* p : {"/", "/login", "/pupils", "/pupils/{id}", "/pupils/{id}/contacts",
                          "/plans/{id}", "/plans/{id}/pdf", "/plans/{id}/history", "/s/{token}",
                          "/static/{file}", "/api/v1/plans/{id}", "/api/v1/pupils/{id}"})
      out.add("GET", p, web::Access::kStaff, none);
    out.add("POST", "/plans/{id}", web::Access::kStaff, none);
    out.add("POST", "/api/v1/plans/{id}/transitions/{name}", web::Access::kStaff, none);
    return out;
  }();
  return r;
}

// The path the pipeline routes on and the query values handlers read.
void route(const std::string& method, const std::string& target) {
  const auto q = target.find('?');
  std::string path;
  try {
    path = web::decodeRequestPath(std::string_view(target).substr(0, q));
  } catch (const web::BadRequest&) {
    return;  // 400 before routing
  }
  auto m = router().match(method, path);
  if (m.route) {
    for (const auto& [name, value] : m.params)
      if (value.empty() || value.find('/') != std::string::npos)
        fuzz::fail("a route parameter is empty or spans segments");
  }
  if (q == std::string::npos) return;
  try {
    (void)web::decodeFormFields(std::string_view(target).substr(q + 1), 1000);
  } catch (const web::BadRequest&) {
    // Exchange::query answers 400.
  }
}

void asNext(const std::string& next) {
  const std::string to = web::localRedirectTarget(router(), next);
  if (!web::isLocalPath(to)) fuzz::fail("localRedirectTarget gave a location that is not local");
  for (char c : to)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) fuzz::fail("control byte in a redirect");
}

web::HeadResult read(std::string_view in, web::BufferedRequest& request, std::size_t split) {
  const web::HeadLimits limits;
  std::size_t scanned = 0;
  if (split > 0 && split < in.size()) {
    auto first = web::readHead(in.substr(0, split), limits, request, scanned);
    if (first.outcome != web::HeadResult::Outcome::kIncomplete) return first;
  }
  return web::readHead(in, limits, request, scanned);
}

void head(const std::string& bytes, std::size_t split) {
  const Poco::Net::SocketAddress client("127.0.0.1", 40000), server("127.0.0.1", 8080);
  web::BufferedRequest whole(client, server, false);
  auto a = read(bytes, whole, 0);
  if (split > 0) {
    web::BufferedRequest pieces(client, server, false);
    auto b = read(bytes, pieces, split);
    if (a.outcome != b.outcome || a.status != b.status || a.headBytes != b.headBytes ||
        a.bodyBytes != b.bodyBytes)
      fuzz::fail("a head read in two pieces is judged differently from the same head read whole");
  }
  // Whatever follows a complete head (its body, the next request) never changes the verdict on
  // the head: a head accepted on its own is accepted with any bytes after it.
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end != std::string::npos && end + 4 < bytes.size()) {
    web::BufferedRequest alone(client, server, false);
    const auto h = read(std::string_view(bytes).substr(0, end + 4), alone, 0);
    if (h.outcome == web::HeadResult::Outcome::kReady &&
        (a.outcome != h.outcome || a.headBytes != h.headBytes || a.bodyBytes != h.bodyBytes))
      fuzz::fail("the bytes after a complete head changed the verdict on the head");
  }
  if (a.outcome == web::HeadResult::Outcome::kReady) route(whole.getMethod(), whole.getURI());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string rest = fuzz::text(data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    head("GET " + rest + " HTTP/1.1\r\nHost: sendflow.test\r\n\r\n", 0);
    route("GET", rest);
    asNext(rest);
  } else {
    head(rest, rest.empty() ? 0 : data[0] % rest.size());
  }
  return 0;
}
