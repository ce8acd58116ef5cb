#include "http/http.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/MemoryStream.h>
#include <Poco/Message.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "app/services.h"
#include "http/json_body.h"
#include "http/url_decoding.h"
#include "http/websocket.h"
#include "i18n/translations.h"
#include "sendflow/engine/core/disk_full.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/names.h"
#include "sendflow/engine/core/utf8.h"

namespace sendflow::web {

using Poco::Net::HTTPResponse;

namespace {

constexpr const char* kSessionCookie = "sf_session";
constexpr const char* kPreSessionCookie = "sf_csrf";

class PayloadTooLarge : public std::runtime_error {
 public:
  PayloadTooLarge() : std::runtime_error("The request body is too large.") {}
};

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// The API's "code" of each engine error.
constexpr auto kErrorCodeNames = engine::nameTable<engine::ErrorCode>(
    {{engine::ErrorCode::kInvalid, "invalid"},
     {engine::ErrorCode::kBadRequest, "bad_request"},
     {engine::ErrorCode::kUnauthorized, "unauthorized"},
     {engine::ErrorCode::kForbidden, "forbidden"},
     {engine::ErrorCode::kNotFound, "not_found"},
     {engine::ErrorCode::kConflict, "conflict"},
     {engine::ErrorCode::kGone, "gone"},
     {engine::ErrorCode::kTooManyRequests, "too_many_requests"}});
static_assert(kErrorCodeNames.coversDenseRange());

const char* errorCodeName(engine::ErrorCode c) { return kErrorCodeNames.find(c).value_or("error"); }

engine::ErrorCode codeForStatus(int status) {
  switch (status) {
    case 400:
      return engine::ErrorCode::kBadRequest;
    case 401:
      return engine::ErrorCode::kUnauthorized;
    case 403:
      return engine::ErrorCode::kForbidden;
    case 404:
      return engine::ErrorCode::kNotFound;
    case 409:
      return engine::ErrorCode::kConflict;
    case 410:
      return engine::ErrorCode::kGone;
    case 429:
      return engine::ErrorCode::kTooManyRequests;
    default:
      return engine::ErrorCode::kInvalid;
  }
}

// Paths that carry a secret (signer and contribution links) are logged without it.
std::string redactPath(const std::string& path) {
  for (const char* prefix : {"/s/", "/c/", "/api/v1/s/", "/ws/s/"}) {
    std::string p(prefix);
    if (path.rfind(p, 0) == 0) return p + "[redacted]";
  }
  return path;
}

// A download name as a header parameter: letters, digits, '.', '-' and '_' only.
std::string safeFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '.' || c == '-' || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out;
}

constexpr std::size_t kMaxFormFields = 5000;
constexpr std::size_t kMaxQueryFields = 100;

// The request target's path and query, as sent (the head reader admits only "/…" targets).
std::string_view rawPathOf(const std::string& target) {
  return std::string_view(target).substr(0, target.find('?'));
}
std::string_view rawQueryOf(const std::string& target) {
  const auto q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

bool isStateChanging(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// The CSRF token a request presents: the X-CSRF-Token header, else the form's "csrf" field.
std::string presentedCsrf(Exchange& ex) {
  std::string header = ex.request.get("X-CSRF-Token", "");
  if (!header.empty()) return header;
  if (ex.request.getContentType().rfind("application/json", 0) == 0) return "";
  return ex.form().get("csrf", "");
}

}  // namespace

std::string statusText(int status) {
  return HTTPResponse::getReasonForStatus(static_cast<HTTPResponse::HTTPStatus>(status));
}

int statusFor(engine::ErrorCode c) {
  switch (c) {
    case engine::ErrorCode::kInvalid:
      return 422;
    case engine::ErrorCode::kBadRequest:
      return 400;
    case engine::ErrorCode::kUnauthorized:
      return 401;
    case engine::ErrorCode::kForbidden:
      return 403;
    case engine::ErrorCode::kNotFound:
      return 404;
    case engine::ErrorCode::kConflict:
      return 409;
    case engine::ErrorCode::kGone:
      return 410;
    case engine::ErrorCode::kTooManyRequests:
      return 429;
  }
  return 400;
}

// --- Exchange -------------------------------------------------------------------------------

Exchange::Exchange(Services& a, Poco::Net::HTTPServerRequest& req,
                   Poco::Net::HTTPServerResponse& res, std::string clientIp)
    : services(a), request(req), response(res), clientIp_(std::move(clientIp)) {}

bool Exchange::isApi() const { return request.getURI().rfind("/api/", 0) == 0; }

std::string Exchange::clientIp() const {
  return clientIp_.empty() ? request.clientAddress().host().toString() : clientIp_;
}

std::optional<engine::Id> Exchange::idParam(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return engine::parseId(it->second);
}

std::optional<engine::Id> Exchange::idField(const std::string& name, std::string_view text) {
  if (text.empty()) return std::nullopt;
  auto id = engine::parseId(text);
  if (!id) throw BadRequest(name + " must be a record number (digits only).");
  return id;
}

std::optional<int> Exchange::intField(const std::string& name, std::string_view text, int min,
                                      int max) {
  if (text.empty()) return std::nullopt;
  auto n = engine::parseInteger(text, min, max);
  if (!n)
    throw BadRequest(name + " must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ".");
  return static_cast<int>(*n);
}

int versionQuery(const Exchange& ex) {
  return Exchange::intField("version", ex.query("version"), 0, kMaxVersion).value_or(0);
}

std::string Exchange::query(const std::string& name, const std::string& fallback) const {
  for (const auto& [k, v] : decodeFormFields(rawQueryOf(request.getURI()), kMaxQueryFields))
    if (k == name) return v;
  return fallback;
}

const std::string& Exchange::body() {
  if (bodyRead_) return body_;
  bodyRead_ = true;
  const std::size_t limit = services.settings().maxBodyBytes;
  auto& in = request.stream();
  if (request.hasContentLength()) {
    auto n = static_cast<std::size_t>(request.getContentLength64());
    if (n > limit) throw PayloadTooLarge();
    body_.resize(n);
    in.read(body_.data(), static_cast<std::streamsize>(n));
    if (static_cast<std::size_t>(in.gcount()) != n)
      throw BadRequest("The request body ended early.");
  } else {
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      body_.append(buf, static_cast<std::size_t>(in.gcount()));
      if (body_.size() > limit) throw PayloadTooLarge();
    }
  }
  return body_;
}

const Poco::Net::HTMLForm& Exchange::form() {
  if (form_) return *form_;
  const std::string& b = body();
  auto f = std::make_unique<Poco::Net::HTMLForm>();
  if (request.getMethod() != "GET" && !b.empty()) {
    std::string type = request.getContentType();
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0)
      throw BadRequest("Send the form as application/x-www-form-urlencoded.");
    // Strictly decoded (malformed escapes and text that is not UTF-8 refused, never mangled);
    // which control characters a field may hold is the engine's rule for that field.
    for (auto& [k, v] : decodeFormFields(b, kMaxFormFields)) f->add(k, v);
  }
  form_ = std::move(f);
  return *form_;
}

Poco::JSON::Object::Ptr Exchange::json() {
  const std::string& b = body();
  if (request.getContentType().rfind("application/json", 0) != 0)
    throw BadRequest("Send the body as application/json.");
  if (!engine::utf8::isValid(b)) throw BadRequest("The JSON body is not valid UTF-8.");
  return parseJsonObject(b);
}

void Exchange::html(int status, const std::string& page) {
  response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  response.setContentType("text/html; charset=utf-8");
  response.setContentLength64(static_cast<Poco::UInt64>(page.size()));
  response.send() << page;
}

void Exchange::json(int status, const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  std::string s = out.str();
  response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json; charset=utf-8");
  response.setContentLength64(static_cast<Poco::UInt64>(s.size()));
  response.send() << s;
}

void Exchange::json(int status, const Poco::JSON::Object& o) {
  json(status, Poco::Dynamic::Var(o));
}

void Exchange::redirect(const std::string& location) {
  if (!isLocalPath(location)) {
    services.log().warning(
        "refused to redirect to a location that is not a local path; sent / instead");
    return redirect("/");
  }
  response.set("Location", location);
  response.setStatusAndReason(HTTPResponse::HTTP_SEE_OTHER);
  response.setContentLength(0);
  response.send();
}

void Exchange::bytes(int status, const std::string& contentType, const std::string& data,
                     const std::string& downloadName) {
  response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  response.setContentType(contentType);
  if (!downloadName.empty())
    response.set("Content-Disposition",
                 "attachment; filename=\"" + safeFileName(downloadName) + "\"");
  response.setContentLength64(static_cast<Poco::UInt64>(data.size()));
  response.send().write(data.data(), static_cast<std::streamsize>(data.size()));
}

const std::string& Exchange::tr(const std::string& msgid) const {
  return services.translations().text(language, msgid);
}

std::string Exchange::tr(
    const std::string& msgid,
    std::initializer_list<std::pair<std::string_view, std::string>> values) const {
  return fillPlaceholders(tr(msgid), values);
}

std::string Exchange::tr(const engine::Text& t, bool* fellBack) const {
  return services.translations().text(language, t, fellBack);
}

engine::Error Exchange::translated(const engine::Error& e,
                                   std::set<std::string>* fieldsInEnglish) const {
  engine::Error out = e;
  out.message = e.text.empty() ? tr(e.message) : tr(e.text);
  for (auto& f : out.fields) {
    bool fellBack = false;
    f.message = f.text.empty() ? tr(f.message) : tr(f.text, &fellBack);
    if (fieldsInEnglish && fellBack && !f.text.empty() && language != kEnglish)
      fieldsInEnglish->insert(f.field);
  }
  return out;
}

void Exchange::error(const engine::Error& e) { sendError(statusFor(e.code), e); }

void Exchange::error(int status, const std::string& message) {
  sendError(status, engine::Error{codeForStatus(status), message, {}});
}

void Exchange::sendError(int status, const engine::Error& e) {
  if (e.code == engine::ErrorCode::kTooManyRequests)
    response.set("Retry-After", std::to_string(std::max(1, e.retryAfterSeconds)));
  if (isApi() || request.get("Accept", "").find("application/json") != std::string::npos) {
    Poco::JSON::Object err, outer;
    err.set("code", status == 405   ? "method_not_allowed"
                    : status == 413 ? "payload_too_large"
                    : status == 507 ? "insufficient_storage"
                    : status >= 500 ? "internal"
                                    : errorCodeName(e.code));
    err.set("message", e.message);
    if (!e.fields.empty()) {
      Poco::JSON::Array fields;
      for (const auto& f : e.fields) {
        Poco::JSON::Object fo;
        fo.set("field", f.field);
        fo.set("message", f.message);
        fields.add(fo);
      }
      err.set("fields", fields);
    }
    outer.set("error", err);
    json(status, outer);
    return;
  }
  Data d;
  d.set("status", std::to_string(status));
  // A contact's language, where the catalogue has the text; English marked as English.
  bool fellBack = false;
  d.set("message", e.text.empty() ? tr(e.message) : tr(e.text, &fellBack));
  if (e.text.empty()) fellBack = !services.translations().has(language, e.message);
  d.set("message_in_english", fellBack && language != kEnglish);
  if (!preferredLanguage.empty()) d.set("contact", true);  // no dashboard link
  Data items = list();
  for (const auto& f : translated(e).fields) {
    Data item;
    item.set("message", f.message);
    items.push_back(item);
  }
  d.set("fields", items);
  html(status, services.hasViews() ? services.views().page(*this, "error", d, statusText(status))
                                   : statusText(status) + ": " + e.message);
}

void Exchange::setCookie(const std::string& name, const std::string& value, int maxAgeSeconds) {
  Poco::Net::HTTPCookie c(name, value);
  c.setPath("/");
  c.setHttpOnly(true);
  c.setSameSite(Poco::Net::HTTPCookie::SAME_SITE_LAX);
  c.setSecure(services.settings().https());
  c.setMaxAge(maxAgeSeconds);
  response.addCookie(c);
}

void Exchange::setSessionCookie(const std::string& token, std::chrono::seconds lifetime) {
  setCookie(kSessionCookie, token, static_cast<int>(lifetime.count()));
}

void Exchange::clearSessionCookie() { setCookie(kSessionCookie, "", 0); }

std::string Exchange::cookie(const std::string& name) const {
  Poco::Net::NameValueCollection cookies;
  request.getCookies(cookies);
  return cookies.get(name, "");
}

std::string Exchange::csrfToken() const {
  if (session) return session->csrfToken;
  return cookie(kPreSessionCookie);
}

// --- Router ---------------------------------------------------------------------------------

void Router::add(std::string method, std::string pattern, Access access, Handler h) {
  routes_.push_back({std::move(method), std::move(pattern), access, std::move(h), std::nullopt});
}

void Router::add(std::string method, std::string pattern, engine::Action action, Handler h) {
  routes_.push_back({std::move(method), std::move(pattern), Access::kStaff, std::move(h), action});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  auto segments = splitPath(path);
  for (const auto& r : routes_) {
    auto pattern = splitPath(r.pattern);
    if (pattern.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < pattern.size() && ok; ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else {
        ok = p == segments[i];
      }
    }
    if (!ok) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.route = &r;
      m.params = std::move(params);
      return m;
    }
    m.pathKnown = true;
    m.allowed += (m.allowed.empty() ? "" : ", ") + r.method;
  }
  return m;
}

// --- the pipeline ---------------------------------------------------------------------------

void securityHeaders(Poco::Net::HTTPResponse& res, bool https) {
  res.set("Content-Security-Policy",
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
          "object-src 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Cache-Control", "no-store");
  if (https) res.set("Strict-Transport-Security", "max-age=31536000");
}

bool isLocalPath(const std::string& location) {
  if (location.empty() || location[0] != '/') return false;
  if (location.size() > 1 && (location[1] == '/' || location[1] == '\\')) return false;
  for (char c : location) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '\\') return false;
  }
  return true;
}

std::string localRedirectTarget(const Router& router, const std::string& next) {
  if (!isLocalPath(next)) return "/";
  try {
    if (router.match("GET", Poco::URI(next).getPath()).route) return next;
  } catch (const Poco::Exception&) {
  }
  return "/";
}

std::shared_ptr<WebSocketUpgrade> Pipeline::handle(Poco::Net::HTTPServerRequest& req,
                                                   Poco::Net::HTTPServerResponse& res,
                                                   const std::string& clientIp) {
  auto started = std::chrono::steady_clock::now();
  Exchange ex(app_, req, res, clientIp);
  std::string path = "/";
  securityHeaders(res, app_.settings().https());
  try {
    // The whole target is decoded strictly before anything routes on it.
    path = decodeRequestPath(rawPathOf(req.getURI()));
    try {
      decodeFormFields(rawQueryOf(req.getURI()), kMaxQueryFields);
    } catch (const BadRequest& e) {
      throw BadRequest(std::string("The address's query string is malformed: ") + e.what());
    }
    run(ex, path);
  } catch (const BadRequest& e) {
    fail(ex, path, 400, e.what());
  } catch (const PayloadTooLarge&) {
    res.setKeepAlive(false);
    fail(ex, path, 413,
         "The request is too large. The limit is " +
             std::to_string(app_.settings().maxBodyBytes / 1024) + " KiB.");
  } catch (const engine::DiskFullError& e) {
    app_.log().error("%s %s failed: the disk is full: %s", req.getMethod(), redactPath(path),
                     std::string(e.what()));
    res.setKeepAlive(false);
    fail(ex, path, 507,
         "The server's disk is full, so this could not be saved and nothing of it was kept. "
         "sendflow emails the trust's administrator; please try again once space has been freed.");
  } catch (const std::exception& e) {
    app_.log().error("%s %s failed: %s", req.getMethod(), redactPath(path), std::string(e.what()));
    res.setKeepAlive(false);
    fail(ex, path, 500,
         "Something went wrong on our side. Nothing you entered was lost; please try again.");
  } catch (...) {
    app_.log().error("%s %s failed with an unknown exception", req.getMethod(), redactPath(path));
    res.setKeepAlive(false);
    fail(ex, path, 500,
         "Something went wrong on our side. Nothing you entered was lost; please try again.");
  }
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  logAccess(ex, redactPath(path), ms.count());
  app_.metrics().observeRequest(req.getMethod(), ex.route, static_cast<int>(res.getStatus()),
                                ms.count() / 1000);
  if (res.getStatus() != HTTPResponse::HTTP_SWITCHING_PROTOCOLS) return nullptr;
  return ex.webSocket;
}

// One access-log line: the text for people, the fields for log.format=json (app/json_log.h).
void Pipeline::logAccess(Exchange& ex, const std::string& path, double ms) {
  auto& log = app_.log();
  if (!log.information()) return;
  const int status = static_cast<int>(ex.response.getStatus());
  char text[64];
  std::snprintf(text, sizeof text, " %d %.1fms", status, ms);
  Poco::Message m(log.name(), ex.clientIp() + " " + ex.request.getMethod() + " " + path + text,
                  Poco::Message::PRIO_INFORMATION);
  m.set("client", ex.clientIp());
  m.set("method", ex.request.getMethod());
  m.set("path", path);
  m.set("status", std::to_string(status));
  std::snprintf(text, sizeof text, "%.1f", ms);
  m.set("ms", text);
  log.log(m);
}

// An error page for a request whose handler failed; if even that fails, a bare 500.
void Pipeline::fail(Exchange& ex, const std::string& path, int status, const std::string& message) {
  if (ex.sent()) return;
  try {
    ex.error(status, message);
  } catch (const std::exception& e) {
    app_.log().error("%s %s: the error page failed too: %s", ex.request.getMethod(),
                     redactPath(path), std::string(e.what()));
    if (ex.sent()) return;
    ex.response.setStatusAndReason(HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
    ex.response.setContentType("text/plain; charset=utf-8");
    ex.response.send() << "Something went wrong on our side.\n";
  }
}

void Pipeline::run(Exchange& ex, const std::string& path) {
  auto& req = ex.request;
  if (req.hasContentLength() && req.getContentLength64() > 0 &&
      static_cast<std::size_t>(req.getContentLength64()) > app_.settings().maxBodyBytes) {
    throw PayloadTooLarge();
  }
  auto m = app_.router().match(req.getMethod(), path);
  if (!m.route) {
    if (m.pathKnown) {
      ex.response.set("Allow", m.allowed);
      ex.error(405, "This address does not accept " + req.getMethod() + " requests.");
    } else {
      ex.error(404, "There is no page at this address.");
    }
    return;
  }
  ex.params = std::move(m.params);
  ex.route = m.route->pattern;
  const bool changing = isStateChanging(req.getMethod());

  if (m.route->access == Access::kStaff) {
    ex.sessionToken = ex.cookie(kSessionCookie);
    auto s = app_.auth().resume(ex.sessionToken);
    if (!s) {
      if (!ex.isApi() && !changing) {
        Poco::URI login("/login");
        login.addQueryParameter("next", Poco::URI(req.getURI()).getPathEtc());
        ex.redirect(login.toString());
      } else {
        ex.error(s.error());
      }
      return;
    }
    ex.session = std::move(s.value());
    if (changing && !engine::constantTimeEquals(presentedCsrf(ex), ex.session->csrfToken)) {
      ex.error(403,
               "This form has expired or did not come from sendflow. Go back, reload the page and "
               "try again.");
      return;
    }
    // The access policy, before the handler: a role that may not do this anywhere is refused
    // as the policy says (404 when the role may not even see such records, else 403).
    if (m.route->action && !engine::mayAnywhere(ex.actor(), *m.route->action)) {
      if (engine::refusalAnywhere(ex.actor(), *m.route->action) == engine::ErrorCode::kNotFound)
        ex.error(404, "There is no page at this address.");
      else
        ex.error(403, "Your role does not allow this.");
      return;
    }
  } else if (m.route->access == Access::kPublicCsrf && changing) {
    std::string expected = ex.cookie(kPreSessionCookie);
    if (expected.empty() || !engine::constantTimeEquals(presentedCsrf(ex), expected)) {
      ex.error(403,
               "This form has expired or did not come from sendflow. Go back, reload the page and "
               "try again.");
      return;
    }
  }
  m.route->handler(ex);
}

}  // namespace sendflow::web
