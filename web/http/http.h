// Routing and the per-request exchange: a table of method + path → handler, one exception
// boundary, authentication, CSRF and security headers applied before any handler runs.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/people/access.h"
#include "sendflow/engine/people/auth.h"

namespace kainjow::mustache {
template <typename StringType>
class basic_data;
}

namespace sendflow::web {

class Services;           // web/app/services.h: what handlers see of the application
struct WebSocketUpgrade;  // web/http/websocket.h

// The largest plan version number a request may name (versions are counted in an int).
inline constexpr int kMaxVersion = 2147483647;

// Thrown by body parsers for a client's malformed request: answered 400 with the message.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Exchange {
 public:
  // `clientIp`: the client's address as the front end resolved it (X-Forwarded-For only through
  // a trusted proxy); empty means the TCP peer's.
  Exchange(Services& services, Poco::Net::HTTPServerRequest& req,
           Poco::Net::HTTPServerResponse& res, std::string clientIp = "");

  Services& services;
  Poco::Net::HTTPServerRequest& request;
  Poco::Net::HTTPServerResponse& response;
  std::map<std::string, std::string> params;      // from the route pattern
  std::string route = "unmatched";                // the route pattern (metrics)
  std::optional<engine::SessionContext> session;  // set on authenticated routes
  std::string sessionToken;                       // cookie value; never logged
  std::shared_ptr<WebSocketUpgrade> webSocket;    // set by acceptWebSocket (web/http/websocket.h)
  // The language pages and error pages are written in: a contact's (speakTo in
  // pages/contact_language.h), English for everyone else. `preferredLanguage` is the contact's
  // stored choice (empty for staff): the page offers English, or that language, as a link.
  std::string language = "en-GB";
  std::string preferredLanguage;

  const engine::Actor& actor() const { return session->actor; }
  bool isApi() const;
  bool sent() const { return response.sent(); }
  std::string clientIp() const;

  // Path parameter as a positive id; returns nullopt when malformed (the caller answers 404).
  std::optional<engine::Id> idParam(const std::string& name) const;
  // A number a client sent in a query or form field called `name` (engine::parseInteger):
  // nullopt when `text` is empty; throws BadRequest naming the field when it is anything but
  // digits in range ("3abc", "1e3", " 3", 2^64 - 1).
  static std::optional<engine::Id> idField(const std::string& name, std::string_view text);
  static std::optional<int> intField(const std::string& name, std::string_view text, int min,
                                     int max);
  std::string query(const std::string& name, const std::string& fallback = "") const;
  // `msgid` (English) in this exchange's language; itself when not translated. Extracted into
  // translations/sendflow.pot by scripts/update-translations.
  const std::string& tr(const std::string& msgid) const;
  // The same with its {{name}} placeholders filled from `values` (plain text: a template
  // escapes it like any other value).
  std::string tr(const std::string& msgid,
                 std::initializer_list<std::pair<std::string_view, std::string>> values) const;
  // An engine text in this exchange's language (Translations::text); *fellBack is set when its
  // message shows in English on a page in another language.
  std::string tr(const engine::Text& t, bool* fellBack = nullptr) const;
  // `e` for a contact to read: its message and its fields' in this exchange's language (the
  // engine's texts, else the catalogue's translation of the English message where it has one).
  // `fieldsInEnglish`, when given, receives the fields whose message shows in English on a page
  // in another language (a form's own message it gives no words for), for the page to mark.
  engine::Error translated(const engine::Error& e,
                           std::set<std::string>* fieldsInEnglish = nullptr) const;

  // Body readers (each reads the body once; enforce the size limit; throw BadRequest).
  const Poco::Net::HTMLForm& form();
  Poco::JSON::Object::Ptr json();
  const std::string& body();

  // Responses.
  void html(int status, const std::string& page);
  void json(int status, const Poco::JSON::Object& o);
  void json(int status, const Poco::Dynamic::Var& v);
  // 303 See Other to a path of this site: "/..." without "//", "\\" or control characters;
  // anything else is logged and replaced by "/".
  void redirect(const std::string& location);
  void bytes(int status, const std::string& contentType, const std::string& data,
             const std::string& downloadName = "");
  // Maps an engine Error to the right status; HTML page or JSON body.
  void error(const engine::Error& e);
  void error(int status, const std::string& message);
  void setCookie(const std::string& name, const std::string& value, int maxAgeSeconds);
  // The session cookie, kept by the browser for the session's whole lifetime (the engine's
  // AuthService::sessionLifetime); clearSessionCookie makes the browser drop it.
  void setSessionCookie(const std::string& token, std::chrono::seconds lifetime);
  void clearSessionCookie();
  std::string cookie(const std::string& name) const;

  std::string csrfToken() const;  // for forms rendered on this request

 private:
  void sendError(int status, const engine::Error& e);
  std::string clientIp_;
  std::string body_;
  bool bodyRead_ = false;
  std::unique_ptr<Poco::Net::HTMLForm> form_;
};

// "?version=N" of a plan's page, API answer or PDF: absent or 0 is the current version; anything
// but digits in range throws BadRequest naming the parameter (400), on every door alike.
int versionQuery(const Exchange& ex);

using Handler = std::function<void(Exchange&)>;

enum class Access {
  kPublic,      // no session needed (login page, health, static, signer links)
  kPublicCsrf,  // no session, but a state change protected by the pre-session CSRF cookie
  kStaff,       // a valid staff session; non-GET also needs the CSRF token
};

struct Route {
  std::string method;
  std::string pattern;  // "/pupils/{id}"; segments in braces bind to params
  Access access;
  Handler handler;
  // What a staff route does, in the access policy's terms (engine/access.h). The pipeline refuses
  // an actor who may not do it in any academy before the handler runs; the service the handler
  // calls checks the record's own academy. nullopt: any signed-in staff member (their home page,
  // signing out).
  std::optional<engine::Action> action;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Access access, Handler h);
  // A staff route (Access::kStaff) that does `action`.
  void add(std::string method, std::string pattern, engine::Action action, Handler h);
  const std::vector<Route>& routes() const { return routes_; }
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    bool pathKnown = false;  // some route has this path under another method → 405
    std::string allowed;     // for the Allow header
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  std::vector<Route> routes_;
};

// Runs one complete request (its body already read whole by the front end): routing,
// authentication, CSRF, the handler, one exception boundary, the access log line. Never throws.
// Thread-safe (one per worker, or shared).
class Pipeline {
 public:
  explicit Pipeline(Services& services) : app_(services) {}
  // Returns the WebSocket the handler accepted (the response is then its 101), else nullptr.
  std::shared_ptr<WebSocketUpgrade> handle(Poco::Net::HTTPServerRequest& req,
                                           Poco::Net::HTTPServerResponse& res,
                                           const std::string& clientIp);

 private:
  void run(Exchange& ex, const std::string& path);
  void fail(Exchange& ex, const std::string& path, int status, const std::string& message);
  void logAccess(Exchange& ex, const std::string& path, double ms);
  Services& app_;
};

// The headers every response carries, the front end's own refusals included.
void securityHeaders(Poco::Net::HTTPResponse& res, bool https);

// Where to send someone after signing in: `next` when it is a path of this site that a GET route
// serves (query kept), else "/". Never a scheme, a host, "//", "\\" or a control character.
std::string localRedirectTarget(const Router& router, const std::string& next);
// A path this site could redirect to: starts with one "/", no "\\", no control characters.
bool isLocalPath(const std::string& location);

std::string statusText(int status);
int statusFor(engine::ErrorCode c);

}  // namespace sendflow::web
